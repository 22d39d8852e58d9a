// A page of another site (a different origin and a different site from the frontend) that tries to read
// the platform's answers with the visitor's session. Every attempt lands in `window.results` for the test.
const { gateway } = window.LMS;
const params = new URLSearchParams(location.search);
const course = params.get('course');
const video = `${gateway}${params.get('video')}`;

async function attempt(name, url, init) {
  try {
    const res = await fetch(url, init);
    const body = await res.text();
    return { name, outcome: 'resolved', type: res.type, status: res.status, body };
  } catch (error) {
    return { name, outcome: 'rejected', error: String(error) };
  }
}

// A media element does not need CORS to play: what stops it is the cookie not crossing sites and the
// gateway's `Cross-Origin-Resource-Policy: same-site`.
function play(src) {
  const element = document.getElementById('stolen');
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ name: 'video element', outcome: 'timeout' }), 15000);
    element.addEventListener('canplay', () => {
      clearTimeout(timer);
      resolve({ name: 'video element', outcome: 'canplay' });
    });
    element.addEventListener('error', () => {
      clearTimeout(timer);
      resolve({ name: 'video element', outcome: 'error', code: element.error?.code ?? null });
    });
    element.src = src;
  });
}

const withCookies = { credentials: 'include' };
const checkout = JSON.stringify({ courseId: course });
window.results = (async () => [
  await attempt('profile', `${gateway}/api/v1/user/profile`, withCookies),
  await attempt('course', `${gateway}/api/v1/courses/${course}`, withCookies),
  await attempt('purchase status', `${gateway}/api/v1/payments/courses/${course}/purchase-status`, withCookies),
  await attempt('locked video', video, withCookies),
  // A "simple" request goes without a preflight; its answer must still be unreadable.
  await attempt('checkout (text/plain)', `${gateway}/api/v1/payments/create-checkout-session`, {
    ...withCookies, method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: checkout,
  }),
  await attempt('checkout (JSON, preflighted)', `${gateway}/api/v1/payments/create-checkout-session`, {
    ...withCookies, method: 'POST', headers: { 'Content-Type': 'application/json' }, body: checkout,
  }),
  // no-cors: the browser sends it but hands the page an opaque response (no status, no body).
  await attempt('profile (no-cors)', `${gateway}/api/v1/user/profile`, { ...withCookies, mode: 'no-cors' }),
  await play(video),
])();
