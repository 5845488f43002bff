import t from 'tap';
import { escapeXmlAttr, escapeXmlText, formatJunit, stripNonXml } from '../../src/report/junit.js';
import { JA, meta, problems } from './problems.js';
import { parseJunit, validateJunit } from './junit-schema.js';

t.test('valid against Jenkins junit-10.xsd', async (t) => {
  const docs = (
    [
      ['problems', problems, false],
      ['strict', problems, true],
      ['clean', [], false],
    ] as const
  ).map(([name, ps, strict]) => ({ fileName: `${name}.xml`, contents: formatJunit(ps, meta({ strict })) }));
  docs.push({ fileName: 'stopped.xml', contents: formatJunit([problems[3]!], meta({ semanticSkippedBy: ['rules/30:ex%.yaml'] })) });
  docs.push({ fileName: 'stopped-strict.xml', contents: formatJunit([problems[3]!], meta({ semanticSkippedBy: ['rules/30:ex%.yaml'], strict: true })) });
  const r = await validateJunit(docs);
  t.ok(r.valid, r.errors.join('\n'));
});

t.test('the schema check can fail', async (t) => {
  const xml = formatJunit(problems, meta()).replace('<testsuite name=', '<testsuite nom=');
  t.notOk((await validateJunit(xml)).valid);
});

t.test('one suite per rule file, a case per problem, a passing case for a clean file', async (t) => {
  const extra = {
    ...problems[0]!,
    code: 'PATH-NOT-FOUND' as const,
    severity: 'error' as const,
    message: 'rules/missing does not exist',
    loc: { file: 'rules/missing', line: 1, col: 1 },
  };
  const m = meta({ files: [...meta().files, 'rules/40-clean.yaml'] });
  const doc = parseJunit(formatJunit([...problems, extra], m)).testsuites;
  t.equal(doc.name, 'sanso validate');
  t.equal(doc.tests, '6');
  t.equal(doc.failures, '4');
  t.equal(doc.errors, '0');
  const suites = doc.testsuite as any[];
  t.same(
    suites.map((s) => s.name),
    ['rules/10 segments, main.yaml', 'rules/20-flows.yaml', 'rules/30:ex%.yaml', 'rules/40-clean.yaml', 'rules/missing'],
  );
  t.same(
    suites.map((s) => [s.tests, s.failures, s.skipped]),
    [
      ['1', '1', '0'],
      ['2', '1', '1'],
      ['1', '1', '0'],
      ['1', '0', '0'],
      ['1', '1', '0'],
    ],
  );

  const flows = suites[1];
  t.same(flows.properties.property, [
    { name: 'sanso.version', value: '9.8.7' },
    { name: 'policyVersion', value: 'sha256:0123abcd' },
  ]);
  const [forbidden, shadowed] = flows.testcase;
  t.equal(forbidden.classname, 'rules/20-flows.yaml');
  t.equal(forbidden.name, 'ALLOW-CEILING-FORBIDDEN at 3:5');
  t.same(forbidden.failure[0].type, 'ALLOW-CEILING-FORBIDDEN');
  t.equal(forbidden.failure[0].message, JA);
  t.equal(forbidden.failure[0]['#text'], `rules/20-flows.yaml:3:5: error ALLOW-CEILING-FORBIDDEN ${JA}`);
  t.equal(shadowed.name, 'RULE-SHADOWED at 9:5');
  t.notOk(shadowed.failure, 'a warning is not a failure');
  t.equal(shadowed.skipped[0].type, 'RULE-SHADOWED');

  const clean = suites[3].testcase;
  t.same(clean, [{ classname: 'rules/40-clean.yaml', name: 'valid' }]);
});

t.test('--strict: warnings are failures', async (t) => {
  const doc = parseJunit(formatJunit(problems, meta({ strict: true }))).testsuites;
  t.equal(doc.failures, '4');
  const shadowed = doc.testsuite[1].testcase[1];
  t.equal(shadowed.failure[0].type, 'RULE-SHADOWED');
  t.notOk(shadowed.skipped);
});

t.test('metacharacters, CRLF and forbidden characters survive the round trip', async (t) => {
  const p = { ...problems[3]!, message: 'a & b < c > d "q" \'s\'\r\nnext\u0000\u0007\u001b\uFFFE\uD800 end 😀' };
  const xml = formatJunit([p], meta());
  t.ok((await validateJunit(xml)).valid);
  const f = parseJunit(xml).testsuites.testsuite.find((s: any) => s.name === 'rules/30:ex%.yaml').testcase[0].failure[0];
  t.equal(f.message, 'a & b < c > d "q" \'s\'\r\nnext end 😀', 'attribute keeps CR and LF as references');
  t.match(f['#text'], /a & b < c > d "q" 's'\r?\nnext end 😀$/);
  t.notOk(/[\u0000\u0007\u001b\uFFFE]/.test(xml));
});

t.test('escapes', async (t) => {
  t.equal(escapeXmlText('<a href="x">&</a>'), '&lt;a href="x"&gt;&amp;&lt;/a&gt;');
  t.equal(escapeXmlAttr('"it\'s"\t\r\n<&>'), '&quot;it&apos;s&quot;&#9;&#13;&#10;&lt;&amp;&gt;');
  t.equal(stripNonXml('a\u0001b\u000bc\ud800d\ufffee\u{1F600}'), 'abcde\u{1F600}');
});

t.test('repeated problem names are made unique', async (t) => {
  const twice = [problems[1]!, { ...problems[1]!, message: 'second' }];
  const cases = parseJunit(formatJunit(twice, meta())).testsuites.testsuite[0].testcase;
  t.same(
    cases.map((c: any) => c.name),
    ['CIDR-INVALID at 12:7', 'CIDR-INVALID at 12:7 (2)'],
  );
});

t.test('semantic checks not run: no file passes, every rule file has a skipped case saying why', async (t) => {
  for (const strict of [false, true]) {
    const m = meta({ files: [...meta().files, 'rules/40-clean.yaml'], semanticSkippedBy: ['rules/30:ex%.yaml'], strict });
    const doc = parseJunit(formatJunit([problems[3]!], m)).testsuites;
    t.equal(doc.tests, '5');
    t.equal(doc.failures, '1', 'only the schema error fails, under --strict too');
    const suites = doc.testsuite as any[];
    t.same(
      suites.map((s) => [s.name, s.tests, s.failures, s.skipped]),
      [
        ['rules/10 segments, main.yaml', '1', '0', '1'],
        ['rules/20-flows.yaml', '1', '0', '1'],
        ['rules/30:ex%.yaml', '2', '1', '1'],
        ['rules/40-clean.yaml', '1', '0', '1'],
      ],
    );
    for (const s of suites) {
      t.notOk(
        s.testcase.some((c: any) => c.name === 'valid'),
        `${s.name}: not reported as passing`,
      );
      const c = s.testcase.find((c: any) => c.name === 'semantic checks');
      t.equal(c.classname, s.name);
      t.equal(c.skipped[0].type, 'semantic-checks-not-run');
      t.equal(
        c.skipped[0].message,
        'semantic checks (names, flows, exceptions, the tier model) were not run because 1 file has syntax or schema errors; they run once those are fixed',
      );
    }
  }
  // A path that is not a rule file gets no such case: there was nothing to check in it.
  const missing = { ...problems[3]!, code: 'PATH-NOT-FOUND' as const, loc: { file: 'rules/missing', line: 1, col: 1 } };
  const doc = parseJunit(formatJunit([missing], meta({ files: [], semanticSkippedBy: ['rules/missing'] }))).testsuites;
  t.same(
    doc.testsuite[0].testcase.map((c: any) => c.name),
    ['PATH-NOT-FOUND at 1:1'],
  );
});
