/**
 * Issue 14, item 9: tokens expire, a token file is read again with every reload (revocation
 * without a restart), and a token file anyone may write is refused.
 */
import t from 'tap';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { authenticate, hashToken, loadTokens, parseTokens } from '../../src/http/auth.js';
import { bearer, ruleDir, server } from './helpers.js';

const FLOW = { src: '10.20.100.5', dst: '172.16.9.10', service: 'tcp/443' };
const entry = (name: string, scopes: string[], extra: object = {}) => ({ name, sha256: hashToken(name), scopes, ...extra });

t.test('expires: refused from that instant on, like an unknown token', async (t) => {
  const r = parseTokens(JSON.stringify([entry('old', ['decide'], { expires: '2026-11-30T12:00:00+09:00' }), entry('new', ['decide'])]), 'test');
  t.same(r.errors, []);
  const at = Date.parse('2026-11-30T03:00:00Z');
  t.match(authenticate(r.tokens, 'Bearer old', at - 1), { name: 'old' });
  t.equal(authenticate(r.tokens, 'Bearer old', at), null);
  t.match(authenticate(r.tokens, 'Bearer new', at + 1e12), { name: 'new' });
  for (const bad of ['2026-11-30', '2026-11-30T12:00:00', 'tomorrow', 5]) {
    t.match(parseTokens(JSON.stringify([entry('x', ['decide'], { expires: bad })]), 'test').errors, [/expires must be an RFC 3339 date-time/], String(bad));
  }
  const app = await server(t, { tokens: parseTokens(JSON.stringify([entry('gone', ['decide'], { expires: '2020-01-01T00:00:00Z' })]), 't').tokens });
  t.equal((await app.inject({ method: 'POST', url: '/v1/decide', payload: FLOW, headers: bearer('gone') })).statusCode, 401);
});

t.test('a token file every user may write is refused', async (t) => {
  const dir = ruleDir(t, { 'tokens.json': JSON.stringify([entry('a', ['admin'])]) });
  const file = join(dir, 'tokens.json');
  chmodSync(file, 0o640);
  t.same(loadTokens(file, {}).errors, []);
  chmodSync(file, 0o666);
  t.match(loadTokens(file, {}).errors, [/writable by every user/]);
  t.match(loadTokens(undefined, { SANSO_TOKENS_FILE: file }).errors, [/writable by every user/]);
});

t.test('the token file is read again with a reload: a removed token stops working', async (t) => {
  const dir = ruleDir(t, { 'tokens.json': JSON.stringify([entry('admin', ['admin']), entry('ci', ['decide'])]) });
  const file = join(dir, 'tokens.json');
  chmodSync(file, 0o600);
  const app = await server(t, { tokens: loadTokens(file, {}).tokens, tokensFile: file });
  const decide = () => app.inject({ method: 'POST', url: '/v1/decide', payload: FLOW, headers: bearer('ci') });
  const reload = () => app.inject({ method: 'POST', url: '/v1/policy/reload', headers: { 'content-type': 'application/json', ...bearer('admin') } });
  t.equal((await decide()).statusCode, 200);
  writeFileSync(file, JSON.stringify([entry('admin', ['admin'])]));
  t.equal((await reload()).statusCode, 200);
  t.equal((await decide()).statusCode, 401, 'revoked without a restart');
  // A broken file keeps the tokens as they were (no lock-out by a typo).
  writeFileSync(file, '[{"name": ');
  t.equal((await reload()).statusCode, 200);
  t.equal((await reload()).statusCode, 200, 'admin still works');
  writeFileSync(file, JSON.stringify([entry('admin', ['admin']), entry('ci', ['decide'])]));
  t.equal((await reload()).statusCode, 200);
  t.equal((await decide()).statusCode, 200, 'added back');
});
