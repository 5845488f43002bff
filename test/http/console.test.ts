/**
 * The console's files and the API reference: served without a build step, open (they hold
 * nothing of the city), under a strict Content-Security-Policy, and never a path outside the
 * console directory.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { CONSOLE_CSP } from '../../src/http/routes/console.js';
import { wantsHtml } from '../../src/http/routes/ops.js';
import { server, testTokens } from './helpers.js';

t.test('the console is served with strict security headers, tokens or not', async (t) => {
  const app = await server(t, { tokens: testTokens() });
  for (const url of ['/', '/console/', '/console/app.js', '/console/strings.js', '/console/style.css', '/console/vendor/preact.mjs', '/console/vendor/htm.mjs']) {
    const r = await app.inject({ method: 'GET', url });
    t.equal(r.statusCode, 200, url);
    const csp = r.headers['content-security-policy'] as string;
    t.equal(csp, CONSOLE_CSP, `${url}: CSP`);
    t.equal(r.headers['x-content-type-options'], 'nosniff');
    t.equal(r.headers['referrer-policy'], 'no-referrer');
    if (url.endsWith('js') || url.endsWith('mjs')) t.match(r.headers['content-type'], /javascript/, `${url} is a script`);
  }
  t.match(CONSOLE_CSP, "default-src 'self'");
  t.match(CONSOLE_CSP, "frame-ancestors 'none'");
  t.notMatch(CONSOLE_CSP, /unsafe-inline|unsafe-eval|\*/);
  t.equal((await app.inject({ method: 'GET', url: '/console' })).headers.location, '/console/');
});

t.test('nothing but the console directory and the two vendor files', async (t) => {
  const app = await server(t);
  for (const url of [
    '/console/../package.json',
    '/console/%2e%2e/package.json',
    '/console/vendor/../../package.json',
    '/console/vendor/preact/package.json',
    '/console/.gitignore',
    '/console/nothing.js',
  ]) {
    const r = await app.inject({ method: 'GET', url });
    t.not(r.statusCode, 200, url);
    t.notMatch(r.body, '"name": "sanso"', `${url}: no package file`);
  }
});

t.test('the page has no inline script or style (the CSP would block them)', async (t) => {
  const html = readFileSync('console/index.html', 'utf8');
  t.notMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'every script has a src');
  t.notMatch(html, /<style|\sstyle=|\son[a-z]+=/i, 'no style element or attribute, no inline handler');
  const js = readFileSync('console/app.js', 'utf8');
  t.notMatch(js, /\sstyle=|dangerouslySetInnerHTML|innerHTML/, 'the app sets no inline style and no raw HTML');
});

t.test('/docs: JSON for clients, the interactive reference for browsers', async (t) => {
  const app = await server(t, { tokens: testTokens() });
  const json = await app.inject({ method: 'GET', url: '/docs' });
  t.equal(json.statusCode, 200);
  t.equal(JSON.parse(json.body).openapi, '3.1.0');
  const browser = await app.inject({ method: 'GET', url: '/docs', headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
  t.equal(browser.statusCode, 302);
  t.equal(browser.headers.location, '/docs/ui/');
  const ui = await app.inject({ method: 'GET', url: '/docs/ui/' });
  t.equal(ui.statusCode, 200);
  t.match(ui.body, /swagger-ui/);
  t.match(ui.headers['content-security-policy'], "frame-ancestors 'none'");
  const spec = await app.inject({ method: 'GET', url: '/docs/ui/json' });
  t.equal(JSON.parse(spec.body).openapi, '3.1.0');
  const doc = JSON.parse(json.body);
  t.notOk(
    Object.keys(doc.paths).some((p) => p === '/' || p.startsWith('/console') || p.startsWith('/docs')),
    'console and docs routes are not API routes',
  );
  t.equal(wantsHtml(undefined), false);
  t.equal(wantsHtml('application/json, text/html'), false);
  t.equal(wantsHtml('text/html'), true);
});
