/**
 * problem+json in the caller's language: with Accept-Language: ja the title and detail are
 * Japanese, the type URI, code and status the same as in English; without it, English as
 * before. Flow errors inside batches (JSON and NDJSON) follow the header too.
 */
import type { InjectOptions } from 'fastify';
import t from 'tap';
import { API_TITLES_JA } from '../../src/i18n/api-titles.js';
import { API_ERRORS, type ApiErrorCode } from '../../src/problems/codes.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { POLICY_A, ruleDir, server } from './helpers.js';

const JA = { 'accept-language': 'ja-JP,ja;q=0.9,en;q=0.5' };
const JAPANESE = /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u;

t.test('every problem type has a Japanese title', async (t) => {
  for (const code of Object.keys(API_ERRORS) as ApiErrorCode[]) {
    t.match(API_TITLES_JA[code], JAPANESE, code);
    t.not(API_TITLES_JA[code], API_ERRORS[code].title, code);
  }
});

t.test('the same problem in English and in Japanese', async (t) => {
  const app = await server(t);
  const cases: { name: string; req: InjectOptions & { headers?: Record<string, string> }; code: ApiErrorCode; ja: RegExp }[] = [
    {
      name: 'bad address',
      req: { method: 'POST', url: '/v1/decide', payload: { src: '10.20.100.5', dst: '10.0.0.256', service: 'tcp/443' } },
      code: 'BAD-ADDRESS',
      ja: /^宛先（dst）"10\.0\.0\.256": IPv4 のオクテットが 255 を超えています$/,
    },
    {
      name: 'bad service',
      req: { method: 'POST', url: '/v1/decide', payload: { src: '10.20.100.5', dst: '10.0.0.1', service: 'tcp/0' } },
      code: 'BAD-SERVICE',
      ja: /^サービス（service）"tcp\/0": ポートが範囲（1〜65535）外です$/,
    },
    {
      name: 'malformed JSON',
      req: { method: 'POST', url: '/v1/decide', payload: '{"src":', headers: { 'content-type': 'application/json' } },
      code: 'MALFORMED-JSON',
      ja: /^本文は正しい JSON ではありません$/,
    },
    {
      name: 'schema',
      req: { method: 'POST', url: '/v1/decide', payload: { src: '10.20.100.5', dst: '10.0.0.1' } },
      code: 'INVALID-REQUEST',
      ja: /必須のキー「service」がありません/,
    },
    { name: 'no route', req: { method: 'GET', url: '/v1/nowhere' }, code: 'NOT-FOUND', ja: /^ルート GET \/v1\/nowhere はありません$/ },
  ];
  for (const c of cases) {
    const en = await app.inject(c.req);
    const ja = await app.inject({ ...c.req, headers: { ...(c.req.headers ?? {}), ...JA } });
    const e = JSON.parse(en.body) as Record<string, string>;
    const j = JSON.parse(ja.body) as Record<string, string>;
    t.equal(ja.statusCode, en.statusCode, `${c.name}: the same status`);
    t.equal(j.code, c.code, `${c.name}: code`);
    t.equal(e.code, c.code, `${c.name}: code`);
    t.equal(j.type, e.type, `${c.name}: the same type URI`);
    t.equal(e.title, API_ERRORS[c.code].title, `${c.name}: English title by default`);
    t.equal(j.title, API_TITLES_JA[c.code], `${c.name}: Japanese title`);
    t.match(j.detail, c.ja, `${c.name}: Japanese detail`);
    t.notMatch(e.detail, JAPANESE, `${c.name}: English detail by default`);
    t.same(Object.keys(j), Object.keys(e), `${c.name}: the same members`);
  }
});

t.test('flow errors inside batches follow Accept-Language', async (t) => {
  const app = await server(t);
  const flows = [
    { src: '10.20.100.5', dst: '172.16.9.10', service: 'tcp/443' },
    { src: '10.20.100.5', dst: '172.16.9.10', service: 'any' },
  ];
  const ja = JSON.parse((await app.inject({ method: 'POST', url: '/v1/decide/batch', payload: { flows }, headers: JA })).body) as { decisions: Record<string, unknown>[] };
  t.same(ja.decisions[1], { index: 1, error: 'サービス（service）"any": 一つの通信のサービスは一つです（any は書けません）' });
  const en = JSON.parse((await app.inject({ method: 'POST', url: '/v1/decide/batch', payload: { flows } })).body) as { decisions: Record<string, unknown>[] };
  t.same(en.decisions[1], { index: 1, error: 'service "any": a flow has one service, not any' });
  const ndjson = `${JSON.stringify(flows[0])}\n${JSON.stringify(flows[1])}\n{"src":1}\nnot json\n`;
  const lines = (await app.inject({ method: 'POST', url: '/v1/decide/batch', payload: ndjson, headers: { 'content-type': 'application/x-ndjson', ...JA } })).body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  t.equal(lines.length, 4);
  t.same(lines[1], { line: 2, error: 'サービス（service）"any": 一つの通信のサービスは一つです（any は書けません）' });
  t.same(lines[2], { line: 3, error: 'src、dst、service の三つの文字列のキーだけを持つオブジェクトを送ってください' });
  t.same(lines[3], { line: 4, error: '正しい JSON ではありません' });
});

t.test('a failed reload speaks the caller’s language', async (t) => {
  const dir = ruleDir(t, { 'rules.yaml': POLICY_A });
  const app = await server(t, { rulesPath: dir });
  writeFileSync(join(dir, 'rules.yaml'), 'segments:\n  - name: a\n    tier: lgwan\n    cidrs: [10.0.0.1/24]\n');
  const reload = { method: 'POST' as const, url: '/v1/policy/reload', headers: { 'content-type': 'application/json' } };
  const ja = JSON.parse((await app.inject({ ...reload, headers: { ...reload.headers, ...JA } })).body) as Record<string, unknown> & { problems: { message: string }[] };
  t.match(ja, { code: 'RELOAD-FAILED', title: API_TITLES_JA['RELOAD-FAILED'] });
  t.match(ja.detail, /^ルールファイルにエラーが 1 件あります。sha256:/);
  t.match(ja.problems[0]!.message, /ホスト部のビットが立っています/);
  const en = JSON.parse((await app.inject(reload)).body) as { problems: { message: string }[] };
  t.match(en.problems[0]!.message, /host bits are set/);
  const info = JSON.parse((await app.inject({ method: 'GET', url: '/v1/policy', headers: JA })).body) as { lastReload: { problems: { message: string }[] } };
  t.match(info.lastReload.problems[0]!.message, /ホスト部のビットが立っています/, 'the last reload, in Japanese');
});
