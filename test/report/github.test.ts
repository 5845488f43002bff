import t from 'tap';
import { escapeData, escapeProperty, formatGithub } from '../../src/report/github.js';
import { JA, meta, problems } from './problems.js';

t.test('escaping as @actions/core does it', async (t) => {
  t.equal(escapeData('100%\r\nnext: a,b'), '100%25%0D%0Anext: a,b');
  t.equal(escapeProperty('100%\r\nnext: a,b'), '100%25%0D%0Anext%3A a%2Cb');
  // % first, or the escapes themselves would be escaped again
  t.equal(escapeData('%0A'), '%250A');
  t.equal(escapeProperty('%3A'), '%253A');
});

t.test('one workflow command per problem, paths relative to the root', async (t) => {
  const lines = formatGithub(problems, meta()).split('\n');
  t.equal(lines.pop(), '', 'ends with a newline');
  t.same(lines, [
    '::error file=rules/10 segments%2C main.yaml,line=12,col=7,title=CIDR-INVALID::10.0.0.1/24 has host bits set',
    `::error file=rules/20-flows.yaml,line=3,col=5,title=ALLOW-CEILING-FORBIDDEN::${JA}`,
    '::warning file=rules/20-flows.yaml,line=9,col=5,title=RULE-SHADOWED::F-020 is shadowed by F-010',
    '::error file=rules/30%3Aex%25.yaml,line=2,col=1,title=SCHEMA-VIOLATION::line one%0D%0Aline two 100%25 <b>&"\'</b>',
  ]);
});

t.test('absolute and ./ paths become relative to the root; paths outside stay absolute', async (t) => {
  const at = (file: string) => [{ ...problems[0]!, loc: { file, line: 1, col: 1 } }];
  t.match(formatGithub(at('/repo/rules/a.yaml'), meta()), /^::warning file=rules\/a\.yaml,/);
  t.match(formatGithub(at('./rules/a.yaml'), meta()), /^::warning file=rules\/a\.yaml,/);
  t.match(formatGithub(at('a.yaml'), meta({ cwd: '/repo/rules' })), /^::warning file=rules\/a\.yaml,/);
  t.match(formatGithub(at('/elsewhere/a.yaml'), meta()), /^::warning file=\/elsewhere\/a\.yaml,/);
  t.match(formatGithub(at('rules/a.yaml'), meta({ root: undefined })), /^::warning file=rules\/a\.yaml,/);
});

t.test('no problems, no output', async (t) => {
  t.equal(formatGithub([], meta()), '');
});

t.test('semantic checks not run: a notice on the run, after the annotations', async (t) => {
  const lines = formatGithub([problems[3]!], meta({ semanticSkippedBy: ['rules/30:ex%.yaml'] })).split('\n');
  t.equal(lines.length, 3);
  t.match(lines[0], /^::error /);
  t.equal(
    lines[1],
    '::notice title=sanso%3A semantic checks not run::semantic checks (names, flows, exceptions, the tier model) were not run because 1 file has syntax or schema errors; they run once those are fixed',
  );
  t.notMatch(formatGithub(problems, meta({ semanticSkippedBy: [] })), /::notice/);
});
