import t from 'tap';
import { formatJson } from '../../src/report/json.js';
import { JA, meta, problems } from './problems.js';

t.test('the documented shape, problems sorted', async (t) => {
  const doc = JSON.parse(formatJson(problems, meta()));
  t.same(Object.keys(doc).slice(0, 5), ['version', 'ok', 'errors', 'warnings', 'problems']);
  t.equal(doc.version, 1);
  t.equal(doc.ok, false);
  t.equal(doc.errors, 3);
  t.equal(doc.warnings, 1);
  t.same(doc.problems[0], { file: 'rules/10 segments, main.yaml', line: 12, col: 7, severity: 'error', code: 'CIDR-INVALID', message: '10.0.0.1/24 has host bits set' });
  t.same(
    doc.problems.map((p: { code: string }) => p.code),
    ['CIDR-INVALID', 'ALLOW-CEILING-FORBIDDEN', 'RULE-SHADOWED', 'SCHEMA-VIOLATION'],
  );
  t.equal(doc.problems[1].message, JA);
  t.equal(doc.problems[3].message, 'line one\r\nline two 100% <b>&"\'</b>');
  t.equal(doc.policyVersion, 'sha256:0123abcd');
  t.same(doc.files, meta().files);
  t.same(doc.tool, { name: 'sanso', version: '9.8.7' });
});

t.test('ok follows the exit code: warnings fail only with --strict', async (t) => {
  const warnings = problems.filter((p) => p.severity === 'warning');
  t.equal(JSON.parse(formatJson(warnings, meta())).ok, true);
  t.equal(JSON.parse(formatJson(warnings, meta({ strict: true }))).ok, false);
  t.equal(JSON.parse(formatJson([], meta({ strict: true }))).ok, true);
});

t.test('semanticChecks says whether names, flows, exceptions and the tier model were checked', async (t) => {
  t.same(JSON.parse(formatJson(problems, meta())).semanticChecks, { ran: true });
  const doc = JSON.parse(formatJson([problems[3]!], meta({ semanticSkippedBy: ['rules/30:ex%.yaml', 'rules/40.yaml'] })));
  t.same(doc.semanticChecks, {
    ran: false,
    blockedBy: ['rules/30:ex%.yaml', 'rules/40.yaml'],
    note: 'semantic checks (names, flows, exceptions, the tier model) were not run because 2 files have syntax or schema errors; they run once those are fixed',
  });
});
