/**
 * `sanso decide` asked with names: the text and JSON forms on a small city, exit codes, unknown
 * names (exit 2 with a did-you-mean), the pair bound, and that a CIDR never shows. The answers
 * themselves are compared with the reference evaluator in test/check/names.test.ts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AjvModule from 'ajv';
import t from 'tap';
import { sanso } from './run.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'sanso-decide-names-'));
const rules = join(dir, 'city.yaml');
writeFileSync(
  rules,
  `policy:
  name: Names City
  defaults: { lgwan: allow }
services:
  https: [tcp/443]
  web: [tcp/80, tcp/443]
groups:
  lg-all: [lg-term, lg-annex]
segments:
  - name: lg-term
    tier: lgwan
    role: terminal
    cidrs: [10.20.0.0/16]
  - name: lg-annex
    tier: lgwan
    role: terminal
    cidrs: [10.21.0.0/16]
  - name: inet-vbrowser
    tier: internet
    cidrs: [172.16.9.0/28]
    sanitizer: { method: screen-transfer, peer: lgwan, direction: inbound, services: [https] }
  - name: inet-web
    tier: internet
    cidrs: [172.16.10.0/28]
flows:
  - id: F-010
    from: [lg-all]
    to: [inet-vbrowser]
    services: [https]
`,
);
const R = ['--rules', rules, '--as-of', '2026-06-15'];
const CIDRS = /10\.20\.0\.0|10\.21\.0\.0|172\.16\.9\.0|172\.16\.10\.0|\/16|\/28/;

t.test('one pair by name: the single-flow line without addresses, and a summary', async (t) => {
  const r = await sanso(['decide', 'lg-term', 'inet-vbrowser', 'https', ...R]);
  t.equal(r.code, 0);
  t.equal(r.err, '');
  const lines = r.out.split('\n');
  t.equal(lines[0], 'ALLOW GRANTED F-010: lg-term (lgwan) → inet-vbrowser (internet) tcp/443 via inet-vbrowser (screen-transfer)');
  t.match(lines[1], /^ {2}Allowed by rule F-010 .*5\(3\)イ/);
  t.equal(lines[2], '1 segment pair for lg-term → inet-vbrowser https: 1 allowed, 0 denied');
  t.equal(lines.length, 4, 'and nothing else');
});

t.test('a group and a tier: every pair, each decision with the flows it covers; exit 3 on any deny', async (t) => {
  const r = await sanso(['decide', 'lg-all', 'tier:internet', 'web', ...R]);
  t.equal(r.code, 3);
  // Within a pair, the decision of the lowest tcp port comes first.
  const heads = r.out.split('\n').filter((l) => /^(ALLOW|DENY)/.test(l));
  t.same(heads, [
    'DENY SPLIT-PATH: lg-term (lgwan) → inet-vbrowser (internet) tcp/80',
    'ALLOW GRANTED F-010: lg-term (lgwan) → inet-vbrowser (internet) tcp/443 via inet-vbrowser (screen-transfer)',
    'DENY SPLIT-PATH: lg-term (lgwan) → inet-web (internet) tcp/80, tcp/443',
    'DENY SPLIT-PATH: lg-annex (lgwan) → inet-vbrowser (internet) tcp/80',
    'ALLOW GRANTED F-010: lg-annex (lgwan) → inet-vbrowser (internet) tcp/443 via inet-vbrowser (screen-transfer)',
    'DENY SPLIT-PATH: lg-annex (lgwan) → inet-web (internet) tcp/80, tcp/443',
  ]);
  t.match(r.out, /\n4 segment pairs for lg-all → tier:internet web: 0 allowed, 2 denied, 2 partly allowed\n$/);
  t.notMatch(r.out, CIDRS, 'no CIDR of the rule set is shown');
  const ja = await sanso(['decide', 'lg-all', 'tier:internet', 'web', ...R, '--lang', 'ja']);
  t.match(ja.out, /\nlg-all → tier:internet web のセグメントの組 4 件: 許可 0、拒否 2、一部許可 2\n$/);
  t.match(ja.out, /LGWAN接続系とインターネット接続系の通信経路は分割/);
});

t.test('--json: one line following schemas/api/named-decisions.json; an address side is quoted back', async (t) => {
  const Ajv = AjvModule.default ?? AjvModule;
  const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(join(ROOT, 'schemas/api/named-decisions.json'), 'utf8')) as object);
  const r = await sanso(['decide', '10.20.1.5', 'tier:internet', 'https', ...R, '--json']);
  t.equal(r.code, 3);
  t.equal(r.out.split('\n').length, 2, 'one line');
  const j = JSON.parse(r.out);
  t.ok(validate(j), JSON.stringify(validate.errors));
  t.match(j, { src: '10.20.1.5', dst: 'tier:internet', service: 'https', pairs: 2, allowed: 1, denied: 1, partial: 0, asOf: '2026-06-15' });
  t.match(j.policyVersion, /^sha256:[0-9a-f]{64}$/);
  t.same(
    j.answers.map((a: { src: unknown; dst: unknown; code: string; services: string[] }) => [a.src, a.dst, a.code, a.services]),
    [
      [{ address: '10.20.1.5', segment: 'lg-term', tier: 'lgwan' }, { address: null, segment: 'inet-vbrowser', tier: 'internet' }, 'GRANTED', ['tcp/443']],
      [{ address: '10.20.1.5', segment: 'lg-term', tier: 'lgwan' }, { address: null, segment: 'inet-web', tier: 'internet' }, 'SPLIT-PATH', ['tcp/443']],
    ],
  );
  t.notMatch(r.out, CIDRS);
  for (const args of [
    ['lg-all', 'tier:internet', 'web'],
    ['outside', 'tier:lgwan', 'icmp'],
    ['tier:mynumber', 'lg-term', 'https'],
  ]) {
    const x = await sanso(['decide', ...args, ...R, '--json']);
    t.ok(validate(JSON.parse(x.out)), `${args.join(' ')}: ${JSON.stringify(validate.errors)}`);
  }
  const none = JSON.parse((await sanso(['decide', 'tier:mynumber', 'lg-term', 'https', ...R, '--json'])).out);
  t.match(none, { pairs: 0, answers: [] }, 'a tier without segments stands for no pair');
});

t.test('a flow service with a name, and a name with addresses, ask by names too', async (t) => {
  const a = await sanso(['decide', 'lg-annex', '172.16.9.1', 'tcp/443', ...R]);
  t.equal(a.code, 0);
  t.match(a.out, /^ALLOW GRANTED F-010: lg-annex \(lgwan\) → 172\.16\.9\.1 \(inet-vbrowser, internet\) tcp\/443 via/);
  const b = await sanso(['decide', '10.21.0.1', '172.16.9.1', 'https', ...R]);
  t.equal(b.code, 0);
  t.match(b.out, /^ALLOW GRANTED F-010: 10\.21\.0\.1 \(lg-annex, lgwan\) → 172\.16\.9\.1 \(inet-vbrowser, internet\) tcp\/443 via/);
});

t.test('addresses and a flow service: the decision object, as before', async (t) => {
  const r = await sanso(['decide', '10.20.1.5', '172.16.9.1', 'tcp/443', ...R, '--json']);
  t.equal(r.code, 0);
  t.match(JSON.parse(r.out), { decision: 'allow', code: 'GRANTED', src: { address: '10.20.1.5', segment: 'lg-term' }, policyVersion: /^sha256:/ });
  t.notOk('answers' in JSON.parse(r.out));
});

t.test('unknown names are usage errors with a did-you-mean; malformed text stays bad input', async (t) => {
  const cases: [string[], number, RegExp][] = [
    [['lg-trem', 'inet-vbrowser', 'https'], 2, /^sanso: src: no segment or group named "lg-trem"; did you mean "lg-term"\?\nusage: sanso decide/],
    [['lg-term', 'inet-vbrowsr', 'https'], 2, /^sanso: dst: no segment or group named "inet-vbrowsr"; did you mean "inet-vbrowser"\?/],
    [['lg-term', 'nothing-like-it', 'https'], 2, /^sanso: dst: no segment or group named "nothing-like-it"; write an address, a segment or group name, outside or tier:<tier>/],
    [['tier:lgwn', 'inet-web', 'https'], 2, /^sanso: src: unknown tier "lgwn"; tiers are .*; did you mean "tier:lgwan"\?/],
    [['lg-term', 'inet-web', 'htps'], 2, /^sanso: service: no service named "htps"; did you mean "https"\?/],
    [['lg-term', 'inet-web', 'gopher'], 2, /^sanso: service: no service named "gopher"; write tcp\/443/],
    [['10.20.1.5', '172.16.9.1', 'htps'], 2, /did you mean "https"/],
    [['lg-term', '172.16.9.256', 'https'], 1, /^sanso: dst "172\.16\.9\.256": an IPv4 octet is greater than 255\n$/],
    [['lg-term', 'inet-web', 'tcp/80-81'], 1, /^sanso: service "tcp\/80-81": a flow has one port, not a range\n$/],
    [['lg-term', 'inet-web', 'any'], 1, /^sanso: service "any": a flow has one service, not any\n$/],
  ];
  for (const [args, code, err] of cases) {
    const r = await sanso(['decide', ...args, ...R]);
    t.equal(r.code, code, args.join(' '));
    t.match(r.err, err, args.join(' '));
    t.equal(r.out, '', `${args.join(' ')}: nothing on stdout`);
  }
});

t.test('--max-pairs bounds the pairs answered', async (t) => {
  const over = await sanso(['decide', 'lg-all', 'tier:internet', 'web', ...R, '--max-pairs', '3']);
  t.equal(over.code, 2);
  t.match(over.err, /^sanso: lg-all → tier:internet stands for 4 segment pairs \(2 × 2\); decide answers at most 3: name fewer segments, or raise --max-pairs\n/);
  t.equal(over.out, '');
  t.equal((await sanso(['decide', 'lg-all', 'tier:internet', 'web', ...R, '--max-pairs', '4'])).code, 3, 'exactly at the bound');
  for (const bad of ['0', '-1', '2.5', 'many']) {
    const r = await sanso(['decide', 'lg-all', 'tier:internet', 'web', ...R, `--max-pairs=${bad}`]);
    t.equal(r.code, 2, bad);
    t.match(r.err, /--max-pairs takes a whole number/);
  }
});

t.test('--lang ja: tiers and paths in the basic policy words, unknown names in Japanese', async (t) => {
  const ok = await sanso(['decide', 'lg-terminals', 'tier:internet', 'https', '--lang', 'ja']);
  t.match(ok.out, /lg-terminals（LGWAN接続系）→ inet-vbrowser（インターネット接続系）tcp\/443（inet-vbrowser の画面転送を経由）/);
  t.notMatch(ok.out, /\((lgwan|internet)\)/, 'no tier id in parentheses');
  const bad = await sanso(['decide', 'lg-terminal', 'tier:internet', 'https', '--lang', 'ja']);
  t.equal(bad.code, 2);
  t.match(bad.err, /「lg-terminals」の誤りではありませんか/);
});
