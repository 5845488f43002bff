/**
 * Hand-built problems for the format tests: the awkward cases each format must survive
 * (Japanese text, file names with spaces, commas, colons and percent signs, CRLF in messages,
 * XML metacharacters, characters XML cannot carry).
 */
import type { Problem } from '../../src/problems/problem.js';
import type { ReportMeta } from '../../src/report/meta.js';

export const ROOT = '/repo';

export const meta = (over: Partial<ReportMeta> = {}): ReportMeta => ({
  files: ['rules/10 segments, main.yaml', 'rules/20-flows.yaml', 'rules/30:ex%.yaml'],
  version: 'sha256:0123abcd',
  tool: { name: 'sanso', version: '9.8.7', informationUri: 'https://example.org/sanso' },
  root: ROOT,
  ...over,
});

export const JA = '基本方針 5(3)イ 通信経路の分割: LGWAN接続系とインターネット接続系は通信できません';

export const problems: Problem[] = [
  // deliberately out of order: every format sorts by file, line, column, code
  {
    code: 'RULE-SHADOWED',
    severity: 'warning',
    message: 'F-020 is shadowed by F-010',
    ja: 'F-020 は F-010 に隠されています',
    loc: { file: 'rules/20-flows.yaml', line: 9, col: 5 },
  },
  {
    code: 'CIDR-INVALID',
    severity: 'error',
    message: '10.0.0.1/24 has host bits set',
    ja: '10.0.0.1/24 はホスト部のビットが立っています',
    loc: { file: 'rules/10 segments, main.yaml', line: 12, col: 7 },
  },
  { code: 'ALLOW-CEILING-FORBIDDEN', severity: 'error', message: JA, ja: JA, loc: { file: 'rules/20-flows.yaml', line: 3, col: 5 } },
  {
    code: 'SCHEMA-VIOLATION',
    severity: 'error',
    message: 'line one\r\nline two 100% <b>&"\'</b>',
    ja: '一行目\r\n二行目 100% <b>&"\'</b>',
    loc: { file: 'rules/30:ex%.yaml', line: 2, col: 1 },
  },
];
