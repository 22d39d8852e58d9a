// The student's journey in a real browser: Debian's Chromium driven by playwright-core. Started by the
// e2e test `browser::a_student_in_chromium_...` (e2e/tests/journey/browser.rs), which runs the platform,
// publishes the course and serves the frontend (site/) and a foreign page; the addresses come in the
// environment. Prints one line per step; exits non-zero with the reason (and what the pages logged) on the
// first failure. See docs/e2e.md, "Browser".
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (this script is started by the e2e browser test)`);
  return value;
};
const FRONTEND = env('FRONTEND_URL');
const FOREIGN = env('FOREIGN_URL');
const GATEWAY = env('GATEWAY_URL');
const COURSE_ID = env('COURSE_ID');
const LOCKED_ID = env('LOCKED_ID');
const LOCKED_URL = env('LOCKED_URL');
const LOCKED_BYTES = Number(env('LOCKED_BYTES'));
const EMAIL = env('STUDENT_EMAIL');
const PASSWORD = env('STUDENT_PASSWORD');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// Set when course-service keeps media in a bucket and redirects to it (MEDIA_DELIVERY=redirect): the
// bucket's URL, which every presigned URL starts with.
const BUCKET_URL = process.env.BUCKET_URL || null;

const STEP_TIMEOUT_MS = 20_000;
// Past this the run has hung; nextest would end the whole test at 120 s with less to go on.
const RUN_TIMEOUT_MS = 90_000;

const started = Date.now();
const diagnostics = [];
const log = (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}`);

async function step(name, body) {
  const t0 = Date.now();
  await body();
  log(`ok: ${name} (${Date.now() - t0} ms)`);
}

// Retries `check` (which asserts) for up to 5 s: the browser reports a request's details a little after the
// page has seen its outcome.
async function settle(check, ms = 5_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Every request for the locked lecture's file, with the headers that matter, in order: to the gateway
// (`from: 'gateway'`) and, with BUCKET_URL, to the bucket the gateway's redirects point at (`from: 'bucket'`).
const mediaUrl = `${GATEWAY}${LOCKED_URL}`;
const media = [];
function recordMedia(page, label) {
  page.on('response', async (response) => {
    const url = response.url();
    const from = url === mediaUrl ? 'gateway' : BUCKET_URL && url.startsWith(`${BUCKET_URL}/`) ? 'bucket' : null;
    if (!from) return;
    const request = response.request();
    const [sent, got] = await Promise.all([request.allHeaders(), response.allHeaders()]);
    media.push({
      page: label,
      from,
      type: request.resourceType(),
      range: sent.range ?? null,
      status: response.status(),
      contentRange: got['content-range'] ?? null,
      location: got.location ?? null,
    });
  });
}

// A media answer to a Range request: 206 with the part's Content-Range.
function assertPartial(m) {
  assert.equal(m.type, 'media', JSON.stringify(m));
  assert.match(m.range ?? '', /^bytes=\d+-\d*$/, `every request has a Range: ${JSON.stringify(m)}`);
  assert.equal(m.status, 206, JSON.stringify(m));
  assert.match(m.contentRange ?? '', new RegExp(`^bytes \\d+-\\d+/${LOCKED_BYTES}$`), JSON.stringify(m));
}

function watch(page, label) {
  page.on('console', (m) => diagnostics.push(`${label} console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => diagnostics.push(`${label} page error: ${e.message}`));
  page.on('requestfailed', (r) => diagnostics.push(`${label} request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
}

// Every cookie the browser holds for the gateway's host, whatever its path (the refresh cookie's is narrow).
const gatewayCookies = async (context) =>
  (await context.cookies()).filter((c) => c.domain === new URL(GATEWAY).hostname);

async function main() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // As root in a container Chromium's sandbox cannot start.
    chromiumSandbox: false,
    timeout: 30_000,
    // playwright already turns off background networking, component updates and sync (no calls home on a
    // machine without internet) and /dev/shm use.
    args: ['--disable-gpu', '--disable-quic', '--autoplay-policy=no-user-gesture-required'],
  });
  log(`Chromium ${browser.version()} started`);
  try {
    const context = await browser.newContext();
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    const page = await context.newPage();
    watch(page, 'frontend');
    recordMedia(page, 'frontend');
    const playerEvents = () => page.evaluate(() => window.playerEvents);
    const signedIn = async () => {
      await page.locator('#user[data-ready]').waitFor();
      assert.equal(await page.textContent('#user'), 'Signed in as Sam Browser', 'the page knows who is signed in');
    };

    await step('signs up on the frontend page; the session is in HttpOnly cookies', async () => {
      await page.goto(`${FRONTEND}/`);
      await page.locator('#user[data-ready]').waitFor();
      assert.equal(await page.textContent('#user'), 'Not signed in');
      await page.fill('input[name=name]', 'Sam Browser');
      await page.fill('input[name=email]', EMAIL);
      await page.fill('input[name=password]', PASSWORD);
      await page.click('#signup button[type=submit]');
      await page.waitForFunction(() => document.getElementById('user').textContent !== 'Not signed in');
      assert.equal(await page.textContent('#user'), 'Signed in as Sam Browser');
      const cookies = await gatewayCookies(context);
      for (const name of ['token', 'refresh_token']) {
        const cookie = cookies.find((c) => c.name === name);
        assert.ok(cookie, `a ${name} cookie for the gateway; it has ${cookies.map((c) => c.name)}`);
        assert.ok(cookie.httpOnly, `${name} is HttpOnly`);
        assert.equal(cookie.sameSite, 'Strict', `${name} is SameSite=Strict`);
      }
      assert.equal(await page.evaluate(() => document.cookie), '', 'no cookie is readable by the page');
    });

    await step('the locked lecture is locked before buying: the <video> fails, the API says 403', async () => {
      await page.goto(`${FRONTEND}/courses/${COURSE_ID}`);
      await page.locator(`li[data-lecture="${LOCKED_ID}"] .locked`).waitFor();
      await signedIn();
      await page.locator('#buy').waitFor();
      await page.evaluate((src) => {
        document.getElementById('player').src = src;
      }, mediaUrl);
      await page.waitForFunction(() => window.playerEvents.some((e) => e.type === 'error'));
      // The element's request ends without a readable answer (Chromium blocks an error body sent to a media
      // element); the frontend's own fetch reads the refusal.
      const status = await page.evaluate(async (src) => (await fetch(src, { credentials: 'include' })).status, mediaUrl);
      assert.equal(status, 403, 'the locked lecture before buying');
      // Refused before any presigned URL is made: no Location, nothing asked of the bucket.
      assert.ok(
        media.every((m) => m.from === 'gateway' && m.status === 403 && m.location === null),
        `no media answered before buying: ${JSON.stringify(media)}`,
      );
      await page.evaluate(() => {
        window.playerEvents.length = 0;
      });
      media.length = 0;
    });

    await step("buys through the simulator's page and comes back to the success URL", async () => {
      await page.click('#buy');
      await page.waitForURL((url) => url.pathname.startsWith('/c/pay/'));
      const checkout = new URL(page.url());
      assert.notEqual(checkout.origin, new URL(FRONTEND).origin, 'Checkout is on the simulator, not the frontend');
      // Like Stripe's page, the simulator's asks for the e-mail the session was not created with.
      await page.fill('input[name=email]', EMAIL);
      await page.getByRole('button', { name: /^Pay \$49\.99 USD$/ }).click();
      await page.waitForURL((url) => url.origin === new URL(FRONTEND).origin && url.pathname === '/payment/success');
      const session = new URL(page.url()).searchParams.get('session_id');
      assert.match(session ?? '', /^cs_/, `session_id in ${page.url()}`);
      log(`  checkout on ${checkout.origin}, back at ${page.url()}`);
    });

    await step('is enrolled (every lecture opens) and opens the course', async () => {
      await page.locator('#enrolled').waitFor();
      await page.click('#open-course');
      await page.waitForURL(`${FRONTEND}/courses/${COURSE_ID}`);
      await page.locator(`li[data-lecture="${LOCKED_ID}"] button.play`).waitFor();
      assert.equal(await page.locator('#buy').count(), 0, 'no Buy button once purchased');
      // Still signed in after the round trip through another site.
      await signedIn();
    });

    const through = BUCKET_URL ? "Range requests redirected (307) to the bucket's presigned URLs (206)" : 'Range requests (206)';
    await step(`plays the locked lecture: canplay, currentTime advances, through ${through}`, async () => {
      await page.click(`li[data-lecture="${LOCKED_ID}"] button.play`);
      await page.waitForFunction(() => window.playerEvents.some((e) => e.type === 'canplay'));
      await page.waitForFunction(() => document.getElementById('player').currentTime >= 1.0);
      const state = await page.evaluate(() => {
        const player = document.getElementById('player');
        player.pause();
        return {
          currentTime: player.currentTime,
          duration: player.duration,
          error: player.error?.code ?? null,
          size: `${player.videoWidth}x${player.videoHeight}`,
          frames: player.getVideoPlaybackQuality().totalVideoFrames,
        };
      });
      assert.equal(state.error, null, `media error: ${JSON.stringify(await playerEvents())}`);
      assert.ok(Math.abs(state.duration - 3) < 0.1, `the clip lasts 3 s: ${state.duration}`);
      // Decoded, not only fetched: the clip's size and frames (10 per second) came out of the VP8 decoder.
      assert.equal(state.size, '128x72', 'the decoded picture');
      assert.ok(state.frames >= 5, `frames decoded: ${state.frames}`);
      await settle(() => {
        assert.ok(media.length > 0, 'the <video> requested the lecture');
        if (!BUCKET_URL) {
          media.forEach(assertPartial);
          return;
        }
        const gateway = media.filter((m) => m.from === 'gateway');
        const bucket = media.filter((m) => m.from === 'bucket');
        assert.ok(gateway.length > 0 && bucket.length > 0, `asked the gateway, read the bucket: ${JSON.stringify(media)}`);
        for (const m of gateway) {
          assert.equal(m.type, 'media', JSON.stringify(m));
          assert.equal(m.status, 307, `the gateway redirects, it does not stream: ${JSON.stringify(m)}`);
          assert.ok(m.location?.startsWith(`${BUCKET_URL}/`), `to the bucket: ${JSON.stringify(m)}`);
          assert.match(m.location, /[?&]X-Amz-Signature=/, `a presigned URL: ${JSON.stringify(m)}`);
        }
        bucket.forEach(assertPartial);
      });
      if (BUCKET_URL) {
        // The frontend's own script may read the presigned URL too (a player that fetches ranges itself):
        // cross-origin, so only through the bucket's CORS rule, which exposes Content-Range to this origin.
        const presigned = media.find((m) => m.status === 307).location;
        const read = await page.evaluate(async (url) => {
          const res = await fetch(url, { headers: { Range: 'bytes=0-99' } });
          return { status: res.status, contentRange: res.headers.get('content-range'), bytes: (await res.arrayBuffer()).byteLength };
        }, presigned);
        assert.deepEqual(read, { status: 206, contentRange: `bytes 0-99/${LOCKED_BYTES}`, bytes: 100 }, 'a CORS fetch of the presigned URL');
        log(`  the frontend's own fetch of the presigned URL read ${read.contentRange} through the bucket's CORS rule`);
      }
      // A presigned URL is a credential: the log gets its path, not its signature.
      const logged = media.map((m) => ({ ...m, location: m.location?.split('?')[0] ?? null }));
      log(`  played to ${state.currentTime.toFixed(2)} s of ${state.duration} s (${state.frames} frames of ${state.size}); media requests: ${JSON.stringify(logged)}`);
    });

    await step('a page of another site reads nothing, with the student still signed in', async () => {
      const foreign = await context.newPage();
      watch(foreign, 'foreign');
      // What went over the wire, which the page cannot see: Chromium's own record (DevTools protocol) of the
      // headers it sent, the cookies it held back and why, and the gateway's status.
      const wire = new Map();
      const at = (id) => wire.get(id) ?? wire.set(id, {}).get(id);
      const cdp = await context.newCDPSession(foreign);
      cdp.on('Network.requestWillBeSent', (e) => {
        at(e.requestId).url = e.request.url;
        at(e.requestId).method = e.request.method;
      });
      cdp.on('Network.requestWillBeSentExtraInfo', (e) => {
        at(e.requestId).cookieHeader = Object.keys(e.headers).some((h) => h.toLowerCase() === 'cookie');
        at(e.requestId).heldBack = (e.associatedCookies ?? [])
          .filter((c) => c.blockedReasons?.length)
          .map((c) => `${c.cookie.name}: ${c.blockedReasons.join('+')}`);
      });
      cdp.on('Network.responseReceivedExtraInfo', (e) => {
        at(e.requestId).status = e.statusCode;
      });
      await cdp.send('Network.enable');
      const query = new URLSearchParams({ course: COURSE_ID, video: LOCKED_URL });
      await foreign.goto(`${FOREIGN}/foreign.html?${query}`);
      const results = await foreign.evaluate(() => window.results);
      const byName = Object.fromEntries(results.map((r) => [r.name, r]));
      log(`  the page got: ${JSON.stringify(results.map((r) => [r.name, r.outcome, r.code ?? r.error]))}`);
      // CORS: no grant for this origin, so every read fails; no-cors: the answer is refused outright by the
      // gateway's `Cross-Origin-Resource-Policy: same-site`, rather than handed over as an opaque response.
      for (const name of [
        'profile', 'course', 'purchase status', 'locked video', 'checkout (text/plain)',
        'checkout (JSON, preflighted)', 'profile (no-cors)',
      ]) {
        assert.equal(byName[name]?.outcome, 'rejected', `${name} from ${FOREIGN}: ${JSON.stringify(byName[name])}`);
      }
      assert.equal(byName['video element']?.outcome, 'error', `the locked video on another site: ${JSON.stringify(byName['video element'])}`);
      // Underneath: the SameSite=Strict cookies did not cross sites (Chromium says so per request), so the
      // gateway saw no session at all; the preflight was refused and the JSON POST never left the browser.
      const sent = await settle(() => {
        const sent = [...wire.values()].filter((r) => r.url?.startsWith(GATEWAY));
        assert.ok(sent.length >= 8, `the requests on the wire: ${JSON.stringify(sent)}`);
        for (const r of sent) {
          assert.notEqual(r.cookieHeader, true, `no Cookie header: ${JSON.stringify(r)}`);
        }
        const profile = sent.filter((r) => r.url === `${GATEWAY}/api/v1/user/profile`);
        assert.equal(profile.length, 2, JSON.stringify(sent));
        for (const r of profile) {
          assert.equal(r.status, 401, `the profile, anonymous: ${JSON.stringify(r)}`);
          assert.ok(r.heldBack.some((c) => /^token: .*SameSiteStrict/.test(c)), `the token cookie held back: ${JSON.stringify(r)}`);
        }
        const preflight = sent.filter((r) => r.method === 'OPTIONS');
        assert.deepEqual(preflight.map((r) => r.status), [403], `the one preflight: ${JSON.stringify(sent)}`);
        return sent;
      });
      log(`  the wire saw: ${JSON.stringify(sent.map((r) => [r.method, r.url.slice(GATEWAY.length), r.status, r.heldBack]))}`);
      await foreign.close();
    });

    await step('signs out: the cookies are gone and the API answers 401', async () => {
      await page.click('#signout');
      await page.waitForFunction(() => /^Sign(ed out|-out failed)/.test(document.getElementById('user').textContent));
      assert.equal(await page.textContent('#user'), 'Signed out');
      const names = (await gatewayCookies(context)).map((c) => c.name);
      assert.ok(!names.includes('token') && !names.includes('refresh_token'), `cookies left: ${names}`);
      const after = await page.evaluate(async ({ gateway, video }) => {
        const profile = await fetch(`${gateway}/api/v1/user/profile`, { credentials: 'include' });
        const lecture = await fetch(video, { credentials: 'include' });
        return { profile: profile.status, lecture: lecture.status };
      }, { gateway: GATEWAY, video: mediaUrl });
      assert.deepEqual(after, { profile: 401, lecture: 401 }, 'signed out');
    });
    await context.close();
  } finally {
    await browser.close();
  }
}

const timer = setTimeout(() => {
  console.error(`the browser journey did not finish within ${RUN_TIMEOUT_MS / 1000} s`);
  console.error(diagnostics.join('\n'));
  process.exit(1);
}, RUN_TIMEOUT_MS);

try {
  await main();
  clearTimeout(timer);
  log('browser journey passed');
} catch (error) {
  clearTimeout(timer);
  console.error(`browser journey FAILED: ${error.stack ?? error}`);
  if (diagnostics.length) console.error(`what the pages logged:\n${diagnostics.join('\n')}`);
  process.exit(1);
}
