// A minimal frontend of the LMS: what the browser test (../journey.mjs) drives. It talks to the gateway the
// way the real frontend does, cross-origin with the session in cookies (`credentials: 'include'`), and
// keeps no token itself: the cookies are HttpOnly.
const { gateway } = window.LMS;
const view = document.getElementById('view');
const player = document.getElementById('player');
const userLine = document.getElementById('user');

// What the media element did, for the test to read.
window.playerEvents = [];
for (const type of ['loadstart', 'loadedmetadata', 'canplay', 'playing', 'timeupdate', 'ended', 'error']) {
  player.addEventListener(type, () =>
    window.playerEvents.push({ type, currentTime: player.currentTime, error: player.error?.code ?? null }));
}

async function api(path, { method = 'GET', body } = {}) {
  const init = { method, credentials: 'include' };
  if (body !== undefined) {
    init.headers = { 'Content-Type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  const res = await fetch(`${gateway}/api/v1${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

function el(tag, attrs = {}, text = '') {
  const node = document.createElement(tag);
  Object.assign(node, attrs);
  node.textContent = text;
  return node;
}

function show(...nodes) {
  view.replaceChildren(...nodes);
}

function signUpPage() {
  const form = el('form', { id: 'signup' });
  form.append(
    el('input', { name: 'name', placeholder: 'Name', required: true }),
    el('input', { name: 'email', type: 'email', placeholder: 'E-mail', required: true }),
    el('input', { name: 'password', type: 'password', placeholder: 'Password', required: true }),
    el('button', { type: 'submit' }, 'Sign up'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    const res = await api('/user/signup', { method: 'POST', body: { ...data, role: 'student' } });
    userLine.textContent = res.status === 201
      ? `Signed in as ${res.body.user.name}`
      : `Sign-up failed: ${res.status} ${res.body?.message ?? ''}`;
  });
  show(el('h1', {}, 'Sign up'), form);
}

async function coursePage(courseId) {
  const [course, status] = await Promise.all([
    api(`/courses/${courseId}`),
    api(`/payments/courses/${courseId}/purchase-status`),
  ]);
  if (course.status !== 200) {
    show(el('p', { id: 'failure' }, `The course: ${course.status}`));
    return;
  }
  const list = el('ul', { id: 'lectures' });
  for (const lecture of course.body.course.lectures) {
    const item = el('li', {}, `${lecture.title} `);
    item.dataset.lecture = lecture._id;
    if (lecture.videoUrl) {
      const play = el('button', { type: 'button', className: 'play' }, 'Play');
      play.addEventListener('click', () => {
        player.src = `${gateway}${lecture.videoUrl}`;
        player.play().catch(() => {});
      });
      item.append(play);
    } else {
      item.append(el('span', { className: 'locked' }, 'Locked'));
    }
    list.append(item);
  }
  const nodes = [el('h1', {}, course.body.course.title), list];
  if (status.status === 200 && !status.body.data.isPurchased) {
    const buy = el('button', { id: 'buy', type: 'button' }, 'Buy');
    buy.addEventListener('click', async () => {
      const res = await api('/payments/create-checkout-session', { method: 'POST', body: { courseId } });
      if (res.status !== 201) {
        show(el('p', { id: 'failure' }, `Checkout: ${res.status} ${res.body?.message ?? ''}`));
        return;
      }
      // Stripe's success URL names the session only: remember which course it was for.
      sessionStorage.setItem('checkoutCourse', courseId);
      location.assign(res.body.data.session.url);
    });
    nodes.push(buy);
  }
  show(...nodes);
}

// Back from Checkout: the purchase completes when Stripe's event reaches the platform, so wait until the
// course opens every lecture to us.
async function successPage(params) {
  const courseId = sessionStorage.getItem('checkoutCourse');
  show(el('p', { id: 'waiting' }, `Payment received (${params.get('session_id')}); enrolling...`));
  for (;;) {
    const course = await api(`/courses/${courseId}`);
    if (course.status === 200 && course.body.course.lectures.every((l) => l.videoUrl)) {
      show(el('p', { id: 'enrolled' }, 'Enrolled'), el('a', { id: 'open-course', href: `/courses/${courseId}` }, 'Open the course'));
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

// The sign-in page: a button for each single sign-on provider the platform offers.
async function signInPage() {
  const res = await api('/auth/sso');
  const list = el('ul', { id: 'providers' });
  for (const provider of res.body?.providers ?? []) {
    const link = el('a', { className: 'sso', href: `${gateway}${provider.startUrl}?returnTo=/welcome` },
      `Sign in with ${provider.name}`);
    link.dataset.provider = provider.id;
    const item = el('li');
    item.append(link);
    list.append(item);
  }
  show(el('h1', {}, 'Sign in'), list);
}

// Where a single sign-on ends without a session: its code, and for LINK_REQUIRED the account's password.
function ssoErrorPage(params) {
  const code = params.get('code');
  const nodes = [el('h1', {}, 'Single sign-on'), el('p', { id: 'sso-code' }, code)];
  if (code === 'LINK_REQUIRED') {
    const form = el('form', { id: 'link' });
    form.append(
      el('input', { name: 'password', type: 'password', placeholder: 'Your password', required: true }),
      el('button', { type: 'submit' }, 'Link and sign in'),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const res = await api('/auth/sso/link', { method: 'POST', body: Object.fromEntries(new FormData(form)) });
      userLine.textContent = res.status === 200
        ? `Signed in as ${res.body.user.name}`
        : `Linking failed: ${res.status} ${res.body?.message ?? ''}`;
    });
    nodes.push(form);
  }
  show(...nodes);
}

document.getElementById('signout').addEventListener('click', async () => {
  const res = await api('/user/signout', { method: 'POST' });
  userLine.textContent = res.status === 200 ? 'Signed out' : `Sign-out failed: ${res.status}`;
});

// Who is signed in, as the gateway tells from the cookies; `data-ready` once known.
async function whoAmI() {
  const res = await api('/user/profile');
  userLine.textContent = res.status === 200 ? `Signed in as ${res.body.user.name}` : 'Not signed in';
  userLine.dataset.ready = 'true';
}

const path = location.pathname;
await whoAmI();
const course = path.match(/^\/courses\/([0-9a-f]{24})$/);
if (course) {
  coursePage(course[1]);
} else if (path === '/signin') {
  signInPage();
} else if (path === '/sso/error') {
  ssoErrorPage(new URLSearchParams(location.search));
} else if (path === '/welcome') {
  show(el('h1', { id: 'welcome' }, 'Welcome'));
} else if (path === '/payment/success') {
  successPage(new URLSearchParams(location.search));
} else {
  signUpPage();
}
