// Single sign-on in a real browser: Debian's Chromium driven by playwright-core, through a real OpenID
// provider (npm `oidc-provider`, test-support/oidc-provider) whose login and consent pages it fills in.
// Started by the e2e test `browser::a_person_in_chromium_signs_in_with_an_openid_provider_...`
// (e2e/tests/journey/browser.rs), which runs the platform and the provider; what to do comes in the
// environment:
//   SSO_SCENARIO=new   a first sign-in creates the account: back on the frontend's `returnTo` page, signed
//                      in, one identity linked; then sign-out.
//   SSO_SCENARIO=link  the address has a password account: the frontend's error page says LINK_REQUIRED and
//                      no session exists until the account's password (SSO_PASSWORD) links the identity.
// Exits non-zero with the reason on a failure. See docs/e2e.md, "Browser".
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (this script is started by the e2e browser test)`);
  return value;
};
const FRONTEND = env('FRONTEND_URL');
const GATEWAY = env('GATEWAY_URL');
const ISSUER = env('SSO_ISSUER');
const PROVIDER = env('SSO_PROVIDER');
const PROVIDER_NAME = env('SSO_PROVIDER_NAME');
const SCENARIO = env('SSO_SCENARIO');
const SUB = env('SSO_SUB');
const EMAIL = env('SSO_EMAIL');
const NAME = env('SSO_NAME');
// Who the frontend must say is signed in at the end (the account's name, not the provider's, on a link).
const EXPECT_NAME = env('EXPECT_NAME');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const started = Date.now();
const log = (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}`);
async function step(name, body) {
  const t0 = Date.now();
  await body();
  log(`ok: ${name} (${Date.now() - t0} ms)`);
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  chromiumSandbox: false,
  timeout: 30_000,
  args: ['--disable-gpu', '--disable-quic'],
});
const problems = [];
// Every URL the browser asked for: no token may ever be in one (the code flow carries a code only).
const urls = [];
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => urls.push(r.url()));
  const userLine = async () => (await page.textContent('#user')).trim();

  await step('the sign-in page offers the provider', async () => {
    await page.goto(`${FRONTEND}/signin`);
    const button = page.locator(`a.sso[data-provider="${PROVIDER}"]`);
    assert.equal((await button.textContent()).trim(), `Sign in with ${PROVIDER_NAME}`);
    assert.equal(await userLine(), 'Not signed in');
    await button.click();
  });

  await step('the provider asks who signs in, then for consent', async () => {
    await page.waitForURL((url) => url.href.startsWith(`${ISSUER}/interaction/`));
    await page.fill('#login input[name=sub]', SUB);
    await page.fill('#login input[name=email]', EMAIL);
    await page.selectOption('#login select[name=email_verified]', 'true');
    await page.fill('#login input[name=name]', NAME);
    await page.click('#login button');
    await page.waitForSelector('#consent button');
    await page.click('#consent button');
  });

  if (SCENARIO === 'new') {
    await step('back on the returnTo page, signed in', async () => {
      await page.waitForURL(`${FRONTEND}/welcome`);
      await page.waitForSelector('#user[data-ready]');
      assert.equal(await userLine(), `Signed in as ${EXPECT_NAME}`);
    });
  } else if (SCENARIO === 'link') {
    await step('an account has the address: link required, no session', async () => {
      await page.waitForURL((url) => url.href.startsWith(`${FRONTEND}/sso/error?`));
      assert.equal((await page.textContent('#sso-code')).trim(), 'LINK_REQUIRED');
      await page.waitForSelector('#user[data-ready]');
      assert.equal(await userLine(), 'Not signed in');
      const names = (await context.cookies(`${GATEWAY}/api/v1/`)).map((c) => c.name);
      assert.ok(!names.includes('token') && !names.includes('refresh_token'), `cookies: ${names}`);
    });
    await step("the account's password links the identity and signs in", async () => {
      await page.fill('#link input[name=password]', env('SSO_PASSWORD'));
      await page.click('#link button');
      await page.waitForFunction(
        (name) => document.getElementById('user').textContent === `Signed in as ${name}`,
        EXPECT_NAME,
      );
    });
  } else {
    throw new Error(`SSO_SCENARIO=${SCENARIO}: new or link`);
  }

  await step('the session is in HttpOnly cookies and the identity is linked', async () => {
    const cookies = Object.fromEntries((await context.cookies(`${GATEWAY}/api/v1/`)).map((c) => [c.name, c]));
    assert.ok(cookies.token?.httpOnly && cookies.refresh_token?.httpOnly, 'HttpOnly session cookies');
    const identities = await page.evaluate(async (gateway) => {
      const res = await fetch(`${gateway}/api/v1/user/identities`, { credentials: 'include' });
      return { status: res.status, body: await res.json() };
    }, GATEWAY);
    assert.equal(identities.status, 200, JSON.stringify(identities.body));
    const linked = identities.body.identities;
    assert.equal(linked.length, 1, JSON.stringify(linked));
    assert.equal(linked[0].provider, PROVIDER);
    assert.equal(linked[0].email, EMAIL);
  });

  await step('no token ever travelled in a URL', async () => {
    const leaked = urls.filter((u) => /[?&#](id_token|access_token|refresh_token|token)=/.test(u));
    assert.deepEqual(leaked, []);
    const callback = urls.find((u) => u.startsWith(`${GATEWAY}/api/v1/auth/sso/${PROVIDER}/callback?`));
    assert.ok(callback, 'the provider sent the browser to the callback');
    const q = new URL(callback).searchParams;
    assert.ok(q.get('code') && q.get('state'), 'with a code and the state');
    assert.equal(q.get('iss'), ISSUER, 'and its issuer (RFC 9207)');
  });

  await step('sign-out ends the session', async () => {
    await page.click('#signout');
    await page.waitForFunction(() => document.getElementById('user').textContent === 'Signed out');
    const res = await page.evaluate(async (gateway) =>
      (await fetch(`${gateway}/api/v1/user/profile`, { credentials: 'include' })).status, GATEWAY);
    assert.equal(res, 401);
  });
  assert.equal(problems.length, 0, problems.join('\n'));
  console.log(`single sign-on (${SCENARIO}) passed`);
} catch (error) {
  console.error(`single sign-on (${SCENARIO}) FAILED: ${error.stack ?? error}`);
  if (problems.length) console.error(problems.join('\n'));
  console.error(`the last requests:\n${urls.slice(-6).join('\n')}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
