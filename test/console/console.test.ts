/**
 * The console in a real browser (Debian's chromium through playwright-core): one launch for the
 * whole file, the service in-process on 127.0.0.1 port 0 with the sample city. What the page
 * shows is held against the API itself: every tier cell's colour and label against POST
 * /v1/decide on a witness flow of a segment pair of that colour, and the entries of sampled
 * segment cells against decide on their own witnesses. Screenshots go to test-artifacts/console/
 * (gitignored). Skips, saying why, where /usr/bin/chromium is missing.
 */
import t from 'tap';
import { mkdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { buildServer } from '../../src/http/server.js';
import { testTokens } from '../http/helpers.js';
import { browserMissing, launch } from './browser.js';

const AS_OF = '2026-11-30';
const SHOTS = 'test-artifacts/console';
const AXE = readFileSync('node_modules/axe-core/axe.min.js', 'utf8');
const ADDRESS = /\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/;
const CIDR = /\b\d{1,3}(\.\d{1,3}){3}\/\d{1,2}\b|[0-9a-f]{1,4}:[0-9a-f:]*\/\d{1,3}/i;

type Strings = Record<'en' | 'ja', Record<string, string>>;

interface Decision {
  decision: 'allow' | 'deny';
  code: string;
  path: string;
}

/** The cell kind a decision has: the same classification the matrix documents. */
function kindOf(d: Decision): string {
  if (d.decision === 'allow') {
    if (d.code === 'EXCEPTION') return 'exception';
    if (d.path === 'breakout') return 'breakout';
    return d.path === 'sanitized' ? 'sanitized' : 'direct';
  }
  if (d.code === 'EXPLICIT-DENY') return 'explicit-deny';
  if (d.code === 'NO-GRANT') return 'no-grant';
  return 'ceiling';
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
}

async function decide(base: string, flow: { src: string; dst: string; service: string }): Promise<Decision> {
  const body = JSON.stringify({ src: flow.src, dst: flow.dst, service: flow.service });
  const r = await fetch(`${base}/v1/decide`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (r.status !== 200) throw new Error(`decide ${JSON.stringify(flow)}: ${r.status} ${await r.text()}`);
  return (await r.json()) as Decision;
}

/** Serious and critical axe-core violations on the page as it is now. */
async function axeViolations(page: Page): Promise<string[]> {
  // evaluate() runs through the debugging protocol, which the page's CSP does not govern.
  await page.evaluate(AXE);
  const v = (await page.evaluate(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((x) => ({ id: x.id, impact: x.impact, targets: x.nodes.slice(0, 3).map((n) => n.target.join(' ')) })))`,
  )) as { id: string; impact: string; targets: string[] }[];
  return v.filter((x) => x.impact === 'serious' || x.impact === 'critical').map((x) => `${x.id} (${x.impact}): ${x.targets.join(', ')}`);
}

/** A page that records console errors (a CSP violation is one) and uncaught exceptions. */
async function openPage(browser: Browser, locale: string): Promise<{ page: Page; errors: string[] }> {
  const ctx = await browser.newContext({ locale, viewport: { width: 1400, height: 900 } });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors };
}

const missing = browserMissing();
if (missing !== null) {
  t.plan(0, `skipped: ${missing}`);
} else {
  mkdirSync(SHOTS, { recursive: true });
  const strings = ((await import(pathToFileURL('console/strings.js').href)) as { STRINGS: Strings }).STRINGS;
  const browser = await launch();
  t.teardown(() => browser.close());
  const open = await buildServer({ rulesPath: 'rules/', asOf: AS_OF });
  t.teardown(() => open.close());
  const base = await listen(open);
  const matrix = (await (await fetch(`${base}/v1/matrix`)).json()) as {
    tiers: string[];
    tierCells: { src: string; dst: string; kind: string }[];
  };

  t.test('the zone matrix agrees with decide, cell by cell', async (t) => {
    const { page, errors } = await openPage(browser, 'en-US');
    await page.goto(`${base}/`);
    await page.waitForSelector('#tier-matrix');
    t.equal(await page.getAttribute('html', 'lang'), 'en', 'English for an English browser');
    // Every tier cell: the API's colour, its label and symbol (colour is never the only cue).
    for (const c of matrix.tierCells) {
      const cell = page.locator(`#tier-matrix button.cell[data-src="${c.src}"][data-dst="${c.dst}"]`);
      t.equal(await cell.getAttribute('data-kind'), c.kind, `${c.src} → ${c.dst} kind`);
      t.match(await cell.getAttribute('class'), new RegExp(`\\bk-${c.kind}\\b`), `${c.src} → ${c.dst} coloured`);
      t.equal((await cell.locator('.lbl').innerText()).trim(), strings.en[`short_${c.kind}`], `${c.src} → ${c.dst} label`);
      t.match(await cell.textContent(), strings.en[`kind_${c.kind}`]!, `${c.src} → ${c.dst} spoken in full`);
    }
    t.equal(await page.locator('#tier-matrix button.cell').count(), matrix.tierCells.length);
    // Drill into every tier pair: a segment pair of the tier cell's colour exists, and decide
    // gives that kind on its witness; another sampled cell's entries decide as shown.
    let decided = 0;
    for (const c of matrix.tierCells) {
      await page.click(`#tier-matrix button.cell[data-src="${c.src}"][data-dst="${c.dst}"]`);
      await page.waitForSelector(`#segment-matrix[data-pair="${c.src}>${c.dst}"]`);
      const dots = page.locator('#segment-matrix button.dot');
      const kinds = await dots.evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
      const first = kinds.indexOf(c.kind);
      t.ok(first >= 0, `${c.src} → ${c.dst}: some segment pair is ${c.kind}`);
      const other = kinds.findIndex((k) => k !== c.kind);
      for (const i of other >= 0 ? [first, other] : [first]) {
        const dot = dots.nth(i);
        const pair = `${await dot.getAttribute('data-src')}>${await dot.getAttribute('data-dst')}`;
        await dot.click();
        await page.waitForSelector(`#cell-detail[data-cell="${pair}"]`);
        const entries = await page.locator('#cell-detail li.entry').evaluateAll((els) =>
          els.map((e) => {
            const w = e.querySelector('.witness')!;
            return { code: e.getAttribute('data-code')!, src: w.getAttribute('data-src')!, dst: w.getAttribute('data-dst')!, service: w.getAttribute('data-service')! };
          }),
        );
        t.ok(entries.length > 0, `${pair}: entries shown`);
        for (const [n, e] of entries.entries()) {
          if (e.src === '' || e.dst === '') continue;
          const d = await decide(base, e);
          decided++;
          t.equal(d.code, e.code, `${pair} ${e.service}: decide says ${e.code}`);
          if (i === first && n === 0) t.equal(kindOf(d), c.kind, `${c.src} → ${c.dst}: the tier colour ${c.kind} is what decide gives`);
        }
      }
    }
    t.ok(decided >= matrix.tierCells.length, `${decided} witness flows decided`);

    // A cell's rules and clause text: LGWAN → internet through the virtual browser.
    await page.click('#tier-matrix button.cell[data-src="lgwan"][data-dst="internet"]');
    await page.waitForSelector('#segment-matrix[data-pair="lgwan>internet"]');
    await page.click('#segment-matrix button.dot[data-src="lg-terminals"][data-dst="inet-vbrowser"]');
    const detail = page.locator('#cell-detail[data-cell="lg-terminals>inet-vbrowser"]');
    await detail.waitFor();
    const text = await detail.innerText();
    t.match(text, 'F-120', 'the granting rule');
    t.match(text, 'screen transfer', 'the sanitizer method');
    t.match(text, '基本方針 5(3)イ 通信経路の分割', "the basic policy's clause, as the city words it");
    t.match(text, 'SPLIT-PATH', 'and what denies the other services');
    await page.screenshot({ path: `${SHOTS}/matrix-en.png`, fullPage: true });
    // The picture docs/console.md shows (docs/images/console-matrix.png is a copy of it).
    await page.setViewportSize({ width: 1180, height: 1120 });
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: `${SHOTS}/overview-en.png`, scale: 'css' });
    await page.setViewportSize({ width: 1400, height: 900 });
    t.same(await axeViolations(page), [], 'axe: the matrix with a cell open');

    // Decide the cell's witness from the detail: the ask view shows decide's answer.
    await detail.locator('li.entry').first().locator('button.link').click();
    const result = page.locator('#ask-result');
    await result.waitFor();
    t.equal(await result.getAttribute('data-code'), 'GRANTED');
    t.match(await result.innerText(), 'inet-vbrowser');
    t.same(errors, [], 'no console error, no CSP violation');
  });

  t.test('ask a flow by segment and service names', async (t) => {
    const { page, errors } = await openPage(browser, 'en-US');
    await page.goto(`${base}/`);
    await page.waitForSelector('#tier-matrix');
    await page.click('nav.tabs button:nth-child(2)');
    await page.fill('#ask-src', 'lg-terminals');
    await page.fill('#ask-dst', 'inet-vbrowser');
    await page.fill('#ask-service', 'https');
    await page.click('#ask-form button[type=submit]');
    const result = page.locator('#ask-result');
    await result.waitFor();
    const m = (await (await fetch(`${base}/v1/matrix`)).json()) as { segmentMatrix: { rows: { name: string; witness: string }[] }; services: { name: string; witness: string }[] };
    const w = (n: string) => m.segmentMatrix.rows.find((r) => r.name === n)!.witness;
    const expected = await decide(base, { src: w('lg-terminals'), dst: w('inet-vbrowser'), service: m.services.find((s) => s.name === 'https')!.witness });
    t.equal(await result.getAttribute('data-code'), expected.code);
    t.equal(await result.getAttribute('data-decision'), expected.decision);
    t.match(await result.innerText(), `${w('lg-terminals')} → ${w('inet-vbrowser')} tcp/443`, 'the flow tried is shown');
    // An unknown name is said so, not sent.
    await page.fill('#ask-src', 'no-such-segment');
    await page.click('#ask-form button[type=submit]');
    await page.waitForSelector('[role=alert]');
    t.match(await page.locator('[role=alert]').innerText(), 'no-such-segment');
    await page.screenshot({ path: `${SHOTS}/ask-en.png`, fullPage: true });
    t.same(errors, []);
  });

  t.test('check a change request', async (t) => {
    const { page, errors } = await openPage(browser, 'en-US');
    await page.goto(`${base}/`);
    await page.waitForSelector('#tier-matrix');
    await page.click('nav.tabs button:nth-child(3)');
    const request = readFileSync('examples/http/check.json', 'utf8');
    await page.fill('#check-text', request);
    await page.click('#check-form button[type=submit]');
    const result = page.locator('#check-result');
    await result.waitFor();
    const api = (await (await fetch(`${base}/v1/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: request })).json()) as {
      verdict: string;
      rules: { findings: { code: string }[] }[];
    };
    t.equal(await result.getAttribute('data-verdict'), api.verdict);
    const codes = await result.locator('tbody tr td:first-child').allInnerTexts();
    t.same(
      codes,
      api.rules.flatMap((r) => r.findings.map((f) => f.code)),
      'every finding, in order',
    );
    t.same(await axeViolations(page), [], 'axe: check result');
    await page.screenshot({ path: `${SHOTS}/check-en.png`, fullPage: true });
    // Not JSON: said in the page, nothing sent.
    await page.fill('#check-text', 'rules:\n  - src: [lg-terminals]');
    await page.click('#check-form button[type=submit]');
    await page.waitForSelector('pre.error');
    t.match(await page.locator('pre.error').innerText(), 'not valid JSON');
    t.same(errors, []);
  });

  t.test('exceptions with days to expiry', async (t) => {
    const { page } = await openPage(browser, 'en-US');
    await page.goto(`${base}/`);
    await page.waitForSelector('#tier-matrix');
    await page.click('nav.tabs button:nth-child(4)');
    const row = page.locator('#exceptions tr[data-id="EX-2026-01"]');
    await row.waitFor();
    // 2026-11-30 → 2027-09-30: 304 days.
    t.match(await row.innerText(), '304 days');
    t.match(await row.innerText(), 'CISO');
    t.same(await axeViolations(page), [], 'axe: exceptions');
    await page.click('nav.tabs button:nth-child(5)');
    t.match(await page.locator('main').innerText(), 'alpha');
  });

  t.test('Japanese for a Japanese browser, and the switch', async (t) => {
    const { page, errors } = await openPage(browser, 'ja-JP');
    await page.goto(`${base}/`);
    await page.waitForSelector('#tier-matrix');
    t.equal(await page.getAttribute('html', 'lang'), 'ja');
    const body = await page.locator('body').innerText();
    for (const k of ['navMatrix', 'tier_mynumber', 'tier_lgwan', 'tier_internet', 'kind_sanitized']) t.match(body, strings.ja[k]!, k);
    await page.click('#tier-matrix button.cell[data-src="lgwan"][data-dst="internet"]');
    await page.click('#segment-matrix button.dot[data-src="lg-terminals"][data-dst="inet-vbrowser"]');
    await page.waitForSelector('#cell-detail');
    t.match(await page.locator('#cell-detail').innerText(), '画面転送');
    await page.screenshot({ path: `${SHOTS}/matrix-ja.png`, fullPage: true });
    const v = await axeViolations(page);
    t.same(v, [], 'axe: Japanese');
    // The switch: English, and it sticks for the tab.
    await page.click(`header button:has-text("English")`);
    await page.waitForFunction(`document.documentElement.lang === 'en'`);
    t.match(await page.locator('nav.tabs').innerText(), strings.en.navMatrix!);
    await page.reload();
    await page.waitForSelector('#tier-matrix');
    t.equal(await page.getAttribute('html', 'lang'), 'en', 'the choice is kept for the tab');
    t.same(errors, []);
  });

  t.test('sign-in, scopes and redaction', async (t) => {
    const secured = await buildServer({ rulesPath: 'rules/', asOf: AS_OF, tokens: testTokens() });
    t.teardown(() => secured.close());
    const sbase = await listen(secured);
    const { page, errors } = await openPage(browser, 'en-US');
    await page.goto(`${sbase}/`);
    await page.waitForSelector('#token');
    t.same(await axeViolations(page), [], 'axe: sign-in');
    await page.fill('#token', 'not-a-token');
    await page.click('form button[type=submit]');
    await page.waitForSelector('[role=alert]');
    t.match(await page.locator('[role=alert]').innerText(), strings.en.badToken!);

    // decide only: a clear message instead of the matrix, and no address or CIDR anywhere.
    await page.fill('#token', 'tok-decide');
    await page.click('form button[type=submit]');
    await page.waitForSelector('.notice');
    t.match(await page.locator('.notice').innerText(), 'read-policy');
    t.equal(await page.evaluate(`sessionStorage.getItem('sanso-console-token')`), 'tok-decide', 'the token is kept in the tab');
    for (const n of [1, 4, 5]) {
      await page.click(`nav.tabs button:nth-child(${n})`);
      const text = await page.locator('body').innerText();
      t.notMatch(text, CIDR, `tab ${n}: no CIDR`);
      t.notMatch(text, ADDRESS, `tab ${n}: no address`);
    }
    await page.screenshot({ path: `${SHOTS}/redacted-en.png`, fullPage: true });
    // Names need read-policy; addresses the caller types are decided.
    await page.click('nav.tabs button:nth-child(2)');
    await page.fill('#ask-src', 'lg-terminals');
    await page.fill('#ask-dst', '172.16.9.10');
    await page.fill('#ask-service', 'tcp/443');
    await page.click('#ask-form button[type=submit]');
    await page.waitForSelector('[role=alert]');
    t.match(await page.locator('[role=alert]').innerText(), 'read-policy');
    await page.fill('#ask-src', '10.20.100.5');
    await page.click('#ask-form button[type=submit]');
    await page.locator('#ask-result').waitFor();
    t.equal(await page.locator('#ask-result').getAttribute('data-code'), 'GRANTED');
    // The check tab without the check scope says which scope is missing.
    await page.click('nav.tabs button:nth-child(3)');
    await page.click('#check-form button[type=submit]');
    await page.waitForSelector('pre.error');
    t.match(await page.locator('pre.error').innerText(), 'check scope');

    // read-policy: the matrix.
    await page.click('header button:has-text("Sign out")');
    await page.waitForSelector('#token');
    t.equal(await page.evaluate(`sessionStorage.getItem('sanso-console-token')`), null, 'signing out forgets the token');
    await page.fill('#token', 'tok-reader');
    await page.click('form button[type=submit]');
    await page.waitForSelector('#tier-matrix');
    t.equal(await page.locator('#tier-matrix button.cell').count(), matrix.tierCells.length);
    t.same(
      errors.filter((e) => !/status of 40[13]/.test(e)),
      [],
      'no error but the expected 401/403 answers',
    );
  });
}
