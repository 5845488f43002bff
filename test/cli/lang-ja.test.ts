/**
 * --lang ja beyond validate: `decide` names the tiers in the basic policy's words, its input
 * errors (one flow and --batch) are Japanese, and a rule set with errors is reported in Japanese
 * by the commands that load one. English stays as it was (decide.test.ts pins it).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { FLOW_ERRORS, FLOW_ERRORS_JA } from '../../src/lookup/flow.js';
import { sanso } from './run.js';
import { englishFragment } from '../validate/japanese.js';

const dir = mkdtempSync(join(tmpdir(), 'sanso-lang-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const rules = join(dir, 'city.yaml');
writeFileSync(
  rules,
  `segments:
  - name: lg-term
    tier: lgwan
    role: terminal
    cidrs: [10.20.0.0/16]
  - name: inet-vbrowser
    tier: internet
    cidrs: [172.16.9.10/32]
    sanitizer: { method: screen-transfer, peer: lgwan, direction: inbound, services: [tcp/443] }
flows:
  - id: F-010
    from: [lg-term]
    to: [inet-vbrowser]
    services: [tcp/443]
`,
);
const broken = join(dir, 'broken.yaml');
writeFileSync(broken, 'segments:\n  - name: a\n    tier: lgwan\n    cidrs: [10.0.0.1/24]\n');
const R = ['--rules', rules, '--as-of', '2026-03-31'];

t.test('decide --lang ja: tiers and path in Japanese, code and rule as they are', async (t) => {
  const r = await sanso(['decide', '10.20.1.5', '172.16.9.10', 'tcp/443', ...R, '--lang', 'ja']);
  t.equal(r.code, 0);
  const [head, message] = r.out.split('\n');
  t.equal(head, 'ALLOW GRANTED F-010: 10.20.1.5（lg-term、LGWAN接続系）→ 172.16.9.10（inet-vbrowser、インターネット接続系）tcp/443（inet-vbrowser の画面転送を経由）');
  t.match(message, /無害化通信/);
  t.notMatch(r.out, /\blgwan\b|\binternet\b|screen-transfer| via /);
  const deny = await sanso(['decide', '10.20.1.5', '8.8.8.8', 'tcp/443', ...R, '--lang', 'ja']);
  t.equal(deny.code, 3);
  t.match(deny.out, /→ 8\.8\.8\.8（outside、外部（インターネット））/);
});

t.test('decide --lang ja: a bad flow is answered in Japanese, one flow and --batch', async (t) => {
  const bad = await sanso(['decide', '10.20.1.5', '172.16.9.256', 'tcp/443', ...R, '--lang', 'ja']);
  t.equal(bad.code, 1);
  t.equal(bad.err, 'sanso: 宛先（dst）"172.16.9.256": IPv4 のオクテットが 255 を超えています\n');
  const batch = await sanso(['decide', '--batch', '-', ...R, '--lang', 'ja'], '10.20.1.5,10.20.1.6,tcp\n1,2\n');
  t.equal(batch.code, 1);
  const lines = batch.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { line: number; error: string });
  t.same(lines, [
    { line: 1, error: 'サービス（service）"tcp": tcp と udp にはポートが必要です（tcp/443、udp/53）' },
    { line: 2, error: 'src,dst,service の 3 項目が必要ですが、2 項目あります' },
  ]);
});

t.test('every flow error has its Japanese, and none is the English', async (t) => {
  for (const key of Object.keys(FLOW_ERRORS) as (keyof typeof FLOW_ERRORS)[]) {
    t.match(FLOW_ERRORS_JA[key], /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u, key);
    t.not(FLOW_ERRORS_JA[key], FLOW_ERRORS[key], key);
  }
});

t.test('a rule set with errors is reported in the language asked for', async (t) => {
  for (const args of [
    ['decide', '10.0.0.1', '10.0.0.2', 'tcp/443'],
    ['check', rules],
  ]) {
    const cmd = args[0]!;
    const ja = await sanso([...args, '--rules', broken, '--lang', 'ja']);
    t.equal(ja.code, 1, cmd);
    t.match(ja.err, /CIDR-INVALID セグメント a: CIDR「10\.0\.0\.1\/24」: ホスト部のビットが立っています/, cmd);
    t.match(ja.err, /のルールセットにエラーがあるため、読み込みません/, cmd);
    const en = await sanso([...args, '--rules', broken]);
    t.match(en.err, /CIDR-INVALID segment a: CIDR "10\.0\.0\.1\/24": host bits are set/, cmd);
  }
});

t.test('check and diff still answer with --lang ja', async (t) => {
  const cr = join(dir, 'cr.yaml');
  writeFileSync(cr, 'id: CR-1\nrules:\n  - { src: [lg-term], dst: [inet-vbrowser], services: [tcp/443], action: allow }\n');
  const check = await sanso(['check', cr, ...R, '--lang', 'ja']);
  t.equal(check.code, 0, check.err);
  t.match(check.out, /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u);
  const other = join(dir, 'other.yaml');
  writeFileSync(other, 'segments:\n  - name: lg-term\n    tier: lgwan\n    role: terminal\n    cidrs: [10.20.0.0/16]\n');
  const diff = await sanso(['diff', rules, other, '--as-of', '2026-03-31', '--lang', 'ja']);
  t.match(diff.out, /新たに拒否/, diff.err);
});

t.test('check --lang ja: every error of a bad change request in Japanese, at the same place', async (t) => {
  const dir = 'test/fixtures/change-requests/';
  const args = ['check', `${dir}bad/mistakes.yaml`, '--rules', `${dir}rules`, '--as-of', '2026-06-01'];
  const en = await sanso(args);
  const ja = await sanso([...args, '--lang', 'ja']);
  t.equal(ja.code, 1);
  const enLines = en.err.trim().split('\n');
  const jaLines = ja.err.trim().split('\n');
  t.equal(jaLines.length, enLines.length);
  const place = /^(\S+:\d+:\d+: error [^:]+): /;
  for (let i = 0; i < jaLines.length - 1; i++) {
    t.equal(place.exec(jaLines[i]!)?.[1], place.exec(enLines[i]!)?.[1], `line ${i + 1}: the same place and field`);
    const message = jaLines[i]!.replace(place, '');
    t.match(message, /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u, message);
    t.equal(englishFragment(message), null, message);
  }
  t.match(jaLines[jaLines.length - 1], /は正しい変更申請ではありません（エラー 8 件）/);
  t.match(ja.err, /rules\[0\]\.src\[1\]: "10\.0\.0\.1\/24": ホスト部のビットが立っています（ネットワークアドレスは 10\.0\.0\.0\/24）/);
  t.match(ja.err, /rules\[1\]\.dst\[0\]: 層「lgwn」はありません。層は mynumber、lgwan、internet、outside です（「tier:lgwan」の誤りではありませんか）/);
  const json = JSON.parse((await sanso([...args, '--lang', 'ja', '--json'])).out) as { errors: { message: string }[] };
  t.same(json.errors[0], { index: 0, field: 'rules[0]', message: 'action がありません', line: 6, col: 5 });
});
