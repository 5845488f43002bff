import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authenticate, hashToken, hasScope, isLoopbackHost, loadTokens, parseTokens } from '../../src/http/auth.js';

// FIPS 180-2 test vector: SHA-256("abc").
const ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

t.test('hashToken is hex SHA-256 of the token', async (t) => {
  t.equal(hashToken('abc'), ABC);
});

t.test('a YAML token list', async (t) => {
  const r = parseTokens(`- name: ci\n  sha256: ${ABC}\n  scopes: [decide, check]\n- name: ops\n  sha256: "sha256:${ABC.replace(/^b/, 'c')}"\n  scopes: [admin]\n`, 'tokens.yaml');
  t.same(r.errors, []);
  t.equal(r.tokens.length, 2);
  t.equal(r.tokens[0]!.name, 'ci');
  t.same([...r.tokens[0]!.scopes].sort(), ['check', 'decide']);
  t.equal(r.tokens[0]!.digest.toString('hex'), ABC);
});

t.test('a JSON token list, upper-case hex accepted', async (t) => {
  const r = parseTokens(JSON.stringify([{ name: 'x', sha256: ABC.toUpperCase(), scopes: ['read-policy'] }]), 'env');
  t.same(r.errors, []);
  t.equal(r.tokens[0]!.digest.toString('hex'), ABC);
});

t.test('every mistake is reported, and then no token is accepted', async (t) => {
  const cases: [string, RegExp][] = [
    ['{a: 1}', /expected a list/],
    ['- 3', /expected an object/],
    [`- sha256: ${ABC}\n  scopes: [decide]`, /name must be/],
    ['- name: a\n  sha256: abc\n  scopes: [decide]', /64-hex-digit/],
    [`- name: a\n  sha256: ${ABC}\n  scopes: []`, /non-empty list/],
    [`- name: a\n  sha256: ${ABC}\n  scopes: [root]`, /unknown scope "root"/],
    [`- name: a\n  sha256: ${ABC}\n  token: hunter2\n  scopes: [decide]`, /unknown key "token"/],
    [`- name: a\n  sha256: ${ABC}\n  scopes: [decide]\n- name: a\n  sha256: ${'0'.repeat(64)}\n  scopes: [decide]`, /used twice/],
    [`- name: a\n  sha256: ${ABC}\n  scopes: [decide]\n- name: b\n  sha256: ${ABC}\n  scopes: [decide]`, /same digest/],
    ['[unclosed', /not valid JSON or YAML/],
    ['- &a {name: x}\n- *a', /not valid JSON or YAML/],
  ];
  for (const [text, re] of cases) {
    const r = parseTokens(text, 'f');
    t.match(r.errors.join('\n'), re, text);
    t.same(r.tokens, [], `no tokens from ${JSON.stringify(text)}`);
  }
});

t.test('authenticate finds the caller by the bearer token', async (t) => {
  const { tokens } = parseTokens(
    JSON.stringify([
      { name: 'reader', sha256: hashToken('tok-reader-1'), scopes: ['read-policy'] },
      { name: 'admin', sha256: hashToken('tok-admin-1'), scopes: ['admin'] },
    ]),
    'x',
  );
  t.equal(authenticate(tokens, 'Bearer tok-admin-1')?.name, 'admin');
  t.equal(authenticate(tokens, 'bearer tok-reader-1')?.name, 'reader');
  t.equal(authenticate(tokens, 'Bearer tok-reader-2'), null);
  t.equal(authenticate(tokens, 'Bearer '), null);
  t.equal(authenticate(tokens, 'Basic dG9rLWFkbWluLTE='), null);
  t.equal(authenticate(tokens, 'tok-admin-1'), null);
  t.equal(authenticate(tokens, undefined), null);
  t.equal(authenticate(tokens, `Bearer ${'a'.repeat(5000)}`), null);
  t.equal(authenticate([], 'Bearer tok-admin-1'), null);
});

t.test('admin implies every scope', async (t) => {
  const { tokens } = parseTokens(
    JSON.stringify([
      { name: 'a', sha256: ABC, scopes: ['admin'] },
      { name: 'd', sha256: '1'.repeat(64), scopes: ['decide'] },
    ]),
    'x',
  );
  for (const s of ['decide', 'check', 'read-policy', 'metrics', 'admin'] as const) t.ok(hasScope(tokens[0]!, s), s);
  t.ok(hasScope(tokens[1]!, 'decide'));
  t.notOk(hasScope(tokens[1]!, 'read-policy'));
  t.notOk(hasScope(null, 'decide'));
});

t.test('loopback hosts', async (t) => {
  for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '::ffff:127.0.0.1']) t.ok(isLoopbackHost(h), h);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', '127.0.0.256', 'example.org', '']) t.notOk(isLoopbackHost(h), h);
});

t.test('loadTokens: --tokens file, then SANSO_TOKENS, then SANSO_TOKENS_FILE', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sanso-tokens-'));
  const fileA = join(dir, 'a.yaml');
  const fileB = join(dir, 'b.json');
  writeFileSync(fileA, `- {name: from-file, sha256: ${ABC}, scopes: [decide]}\n`);
  writeFileSync(fileB, JSON.stringify([{ name: 'from-env-file', sha256: ABC, scopes: ['decide'] }]));
  const inline = JSON.stringify([{ name: 'from-env', sha256: ABC, scopes: ['decide'] }]);
  t.equal(loadTokens(fileA, { SANSO_TOKENS: inline, SANSO_TOKENS_FILE: fileB }).tokens[0]!.name, 'from-file');
  t.equal(loadTokens(undefined, { SANSO_TOKENS: inline, SANSO_TOKENS_FILE: fileB }).tokens[0]!.name, 'from-env');
  t.equal(loadTokens(undefined, { SANSO_TOKENS_FILE: fileB }).tokens[0]!.name, 'from-env-file');
  const none = loadTokens(undefined, {});
  t.same([none.tokens, none.errors, none.source], [[], [], null]);
  t.match(loadTokens(join(dir, 'missing.yaml'), {}).errors[0], /cannot read the token file \(ENOENT\)/);
  writeFileSync(join(dir, 'empty.yaml'), '[]\n');
  t.match(loadTokens(join(dir, 'empty.yaml'), {}).errors[0], /empty/);
});
