// A visitor (an employer, say) opens a certificate's public page in a real browser: Debian's Chromium
// driven by playwright-core. Started by the e2e test `browser::a_visitor_in_chromium_opens_a_certificate_...`
// (e2e/tests/journey/browser.rs), which runs the platform and has a student finish a course; the page's
// address and what it must show come in the environment. Exits non-zero with the reason on a failure.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (this script is started by the e2e browser test)`);
  return value;
};
const PAGE_URL = env('CERTIFICATE_PAGE');
const LEARNER = env('LEARNER_NAME');
const COURSE = env('COURSE_TITLE');
const ISSUER = env('ISSUER_NAME');
const EXPECT = env('EXPECT_VERDICT'); // `valid` or `revoked`
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  chromiumSandbox: false,
  timeout: 30_000,
  args: ['--disable-gpu', '--disable-quic'],
});
const problems = [];
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(20_000);
  // A CSP violation or a script error would show here: the page must need neither.
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  const res = await page.goto(PAGE_URL);
  assert.equal(res.status(), 200, `the page answers 200`);
  assert.match(res.headers()['content-security-policy'] ?? '', /default-src 'none'/, 'its own strict CSP');
  assert.equal(await page.textContent('#learner'), LEARNER, 'the learner is named');
  assert.equal(await page.textContent('#course'), COURSE, 'the course is named');
  const date = await page.getAttribute('#date', 'datetime');
  assert.match(date, /^\d{4}-\d{2}-\d{2}$/, `a completion date: ${date}`);
  const verdict = await page.textContent('#verdict');
  if (EXPECT === 'valid') {
    assert.match(verdict, /^Verified/, `the verdict: ${verdict}`);
    // The inline style sheet applied (the CSP lets it): the verdict is green.
    const colour = await page.$eval('#verdict', (el) => getComputedStyle(el).color);
    assert.equal(colour, 'rgb(23, 111, 44)', 'the inline style applies');
  } else {
    assert.match(verdict, /^Not valid: /, `the verdict: ${verdict}`);
  }
  const checks = await page.$$eval('li[data-check]', (items) => items.map((li) => li.dataset.check));
  assert.deepEqual(checks, ['signature', 'issuerKey', 'status', 'course'], 'every check is listed');
  const link = new URL(await page.getAttribute('#linkedin', 'href'));
  assert.equal(link.origin + link.pathname, 'https://www.linkedin.com/profile/add');
  const q = link.searchParams;
  assert.equal(q.get('startTask'), 'CERTIFICATION_NAME');
  assert.equal(q.get('name'), COURSE);
  assert.equal(q.get('organizationName'), ISSUER);
  assert.equal(q.get('certUrl'), PAGE_URL);
  assert.match(q.get('issueYear'), /^\d{4}$/);
  assert.match(q.get('issueMonth'), /^\d{1,2}$/);
  assert.equal(problems.length, 0, problems.join('\n'));
  console.log(`certificate page passed (${EXPECT}): ${verdict.trim()}`);
} catch (error) {
  console.error(`certificate page FAILED: ${error.stack ?? error}`);
  if (problems.length) console.error(problems.join('\n'));
  process.exitCode = 1;
} finally {
  await browser.close();
}
