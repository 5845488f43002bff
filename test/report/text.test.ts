import t from 'tap';
import { formatText, escapeLine } from '../../src/report/text.js';
import { summaryLine } from '../../src/report/meta.js';
import { JA, meta, problems } from './problems.js';

t.test('one text-format line per problem, sorted by file, line, column', async (t) => {
  const out = formatText(problems, meta());
  t.equal(
    out,
    [
      'rules/10 segments, main.yaml:12:7: error CIDR-INVALID 10.0.0.1/24 has host bits set',
      `rules/20-flows.yaml:3:5: error ALLOW-CEILING-FORBIDDEN ${JA}`,
      'rules/20-flows.yaml:9:5: warning RULE-SHADOWED F-020 is shadowed by F-010',
      'rules/30:ex%.yaml:2:1: error SCHEMA-VIOLATION line one\\r\\nline two 100% <b>&"\'</b>',
      '',
    ].join('\n'),
  );
  for (const line of out.trimEnd().split('\n')) t.match(line, /^.+:\d+:\d+: (error|warning) [A-Z-]+ .*$/);
});

t.test("the caller's array is not reordered", async (t) => {
  const copy = [...problems];
  formatText(problems, meta());
  t.same(problems, copy);
});

t.test('no problems, no lines', async (t) => {
  t.equal(formatText([], meta()), '');
});

t.test('control characters cannot break a line or reach the terminal', async (t) => {
  t.equal(escapeLine('a\nb\rc\td\u001b[31me\u2028f'), 'a\\nb\\rc\\td\\u001b[31me\\u2028f');
  const out = formatText([{ code: 'YAML-SYNTAX', severity: 'error', message: 'x', ja: 'x', loc: { file: 'evil\nname.yaml', line: 1, col: 1 } }], meta());
  t.equal(out, 'evil\\nname.yaml:1:1: error YAML-SYNTAX x\n');
});

t.test('summary line', async (t) => {
  t.equal(summaryLine(problems, meta()), '3 errors, 1 warning in 3 files');
  t.equal(summaryLine([problems[0]!], { files: ['a.yaml'] }), '0 errors, 1 warning in 1 file');
  t.equal(summaryLine([], { files: ['a.yaml', 'b.yaml'] }), 'no problems in 2 files');
});
