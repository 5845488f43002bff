import { join } from 'node:path';
import t from 'tap';
import { validateRuleSet } from '../../src/validate/index.js';

const SEG = 'segments:\n  - name: lg\n    tier: lgwan\n    cidrs: [10.20.0.0/16]\n  - name: inet\n    tier: internet\n    cidrs: [172.16.0.0/24]\n';
const at = (r: ReturnType<typeof validateRuleSet>, dir: string) => r.problems.map((p) => `${p.loc.file.slice(dir.length + 1)}:${p.loc.line}:${p.loc.col} ${p.code}`);

t.test('every file is read and schema-checked; the model is not built over broken files', async (t) => {
  const dir = t.testdir({
    'a.yaml': 'segments:\n  - name: x\n    tier: lgwn\n    cidrs: [10.0.0.0/8]\n',
    'b.yaml': 'flows: [\n',
    'c.yaml': 'flows:\n  - id: F-1\n    from: [nobody]\n    to: [x]\n    services: [tcp/1]\n    colour: red\n',
    'd.yaml': 'flows:\n  - id: F-2\n    from: [nobody]\n    to: [x]\n    services: [tcp/1]\n',
  });
  const r = validateRuleSet([dir]);
  t.same(
    at(r, dir),
    ['a.yaml:3:11 SCHEMA-VIOLATION', 'b.yaml:2:1 YAML-SYNTAX', 'c.yaml:6:5 SCHEMA-UNKNOWN-KEY'],
    'no NAME-UNKNOWN for d.yaml: names are resolved only over a clean set',
  );
  t.equal(r.model, null);
  t.same(
    r.files.map((f) => f.slice(dir.length + 1)),
    ['a.yaml', 'b.yaml', 'c.yaml', 'd.yaml'],
  );
  t.match(r.version, /^sha256:/);
});

t.test('model problems from every file, sorted by file, line and column', async (t) => {
  const dir = t.testdir({
    'b.yaml': 'flows:\n  - id: F-1\n    from: [lg, nobody]\n    to: [lg]\n    services: [tcp/1]\n',
    'a.yaml': `policy:\n  defaults: { lgwan: allow, internet: allow }\n${SEG}groups:\n  g: [none]\n`,
  });
  const r = validateRuleSet([dir]);
  t.same(at(r, dir), ['a.yaml:11:7 NAME-UNKNOWN', 'b.yaml:3:16 NAME-UNKNOWN']);
  t.equal(r.model, null);
});

t.test('a clean set is analysed, and the analysis can refuse it', async (t) => {
  const dir = t.testdir({
    'rules.yaml': `policy:\n  defaults: { lgwan: allow, internet: allow }\n${SEG}flows:\n  - id: F-1\n    from: [lg]\n    to: [inet]\n    services: [tcp/443]\n`,
  });
  const r = validateRuleSet([join(dir, 'rules.yaml')]);
  t.same(at(r, dir), ['rules.yaml:11:9 ALLOW-CEILING-FORBIDDEN'], 'lg → inet is SPLIT-PATH with no sanitizer');
  t.equal(r.model, null, 'an error from the analysis also withholds the model');
});

t.test('asOf reaches both the model and the analysis', async (t) => {
  const dir = t.testdir({
    'rules.yaml': `policy:\n  defaults: { lgwan: allow, internet: allow }\n${SEG}exceptions:\n  - id: EX-1\n    from: [lg]\n    to: [inet]\n    services: [tcp/443]\n    reason: r\n    approved-by: CISO\n    expires: 2026-03-31\n`,
  });
  const before = validateRuleSet([dir], { asOf: '2026-03-31', warnExpiringDays: 0 });
  t.same(before.problems, []);
  t.ok(before.model);
  t.equal(before.model!.exceptions[0]!.expires, '2026-03-31');
  const after = validateRuleSet([dir], { asOf: '2026-04-01' });
  t.same(at(after, dir), ['rules.yaml:17:14 EXCEPTION-EXPIRED']);
  t.ok(after.model, 'warnings alone keep the model');
});

t.test('the bundled sample city validates clean', async (t) => {
  const r = validateRuleSet(['rules']);
  t.same(
    r.problems.map((p) => `${p.loc.file}:${p.loc.line} ${p.code} ${p.message}`),
    [],
  );
  t.ok(r.model);
});
