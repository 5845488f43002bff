import t from 'tap';
import { CODES } from '../../src/problems/codes.js';
import { formatSarif, pathToUri } from '../../src/report/sarif.js';
import { JA, meta, problems } from './problems.js';
import { validateSarif } from './sarif-schema.js';

t.test('valid against the official SARIF 2.1.0 schema', async (t) => {
  for (const [name, m] of [
    ['with problems', problems],
    ['empty', []],
  ] as const) {
    const doc = JSON.parse(formatSarif(m, meta()));
    t.ok(validateSarif(doc), `${name}: ${JSON.stringify(validateSarif.errors)}`);
  }
  const noUri = JSON.parse(formatSarif(problems, meta({ tool: { name: 'sanso', version: '1.0.0' } })));
  t.ok(validateSarif(noUri), 'without informationUri');
  t.notOk('informationUri' in noUri.runs[0].tool.driver);
});

t.test('the schema check can fail', async (t) => {
  const doc = JSON.parse(formatSarif(problems, meta()));
  doc.runs[0].results[0].level = 'fatal';
  t.notOk(validateSarif(doc));
  const doc2 = JSON.parse(formatSarif(problems, meta()));
  doc2.runs[0].results[0].locations[0].physicalLocation.region.startLine = 0;
  t.notOk(validateSarif(doc2));
  const doc3 = JSON.parse(formatSarif(problems, meta()));
  doc3.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri = 'rules/10 segments, main.yaml';
  t.notOk(validateSarif(doc3), 'an unencoded space is not a uri-reference');
});

t.test('tool driver and the rule catalogue', async (t) => {
  const run = JSON.parse(formatSarif(problems, meta())).runs[0];
  const d = run.tool.driver;
  t.equal(d.name, 'sanso');
  t.equal(d.version, '9.8.7');
  t.equal(d.informationUri, 'https://example.org/sanso');
  t.equal(d.rules.length, Object.keys(CODES).length, 'every catalogue code is a rule');
  const cidr = d.rules.find((r: { id: string }) => r.id === 'CIDR-INVALID');
  t.same(cidr, {
    id: 'CIDR-INVALID',
    shortDescription: { text: CODES['CIDR-INVALID'].meaning },
    help: { text: CODES['CIDR-INVALID'].fix },
    defaultConfiguration: { level: 'error' },
  });
  t.equal(d.rules.find((r: { id: string }) => r.id === 'MFA-MISSING').defaultConfiguration.level, 'warning');
  t.equal(run.properties.policyVersion, 'sha256:0123abcd');
});

t.test('results point at their rule, file and position', async (t) => {
  const run = JSON.parse(formatSarif(problems, meta())).runs[0];
  t.equal(run.results.length, 4);
  for (const r of run.results) t.equal(run.tool.driver.rules[r.ruleIndex].id, r.ruleId, `${r.ruleId} ruleIndex`);
  t.same(
    run.results.map((r: { ruleId: string; level: string }) => `${r.ruleId}/${r.level}`),
    ['CIDR-INVALID/error', 'ALLOW-CEILING-FORBIDDEN/error', 'RULE-SHADOWED/warning', 'SCHEMA-VIOLATION/error'],
  );
  t.same(run.results[0].locations[0].physicalLocation, {
    artifactLocation: { uri: 'rules/10%20segments%2C%20main.yaml', uriBaseId: '%SRCROOT%' },
    region: { startLine: 12, startColumn: 7 },
  });
  t.equal(run.results[1].message.text, JA);
  t.equal(run.results[3].message.text, 'line one\r\nline two 100% <b>&"\'</b>');
  t.equal(run.results[3].locations[0].physicalLocation.artifactLocation.uri, 'rules/30%3Aex%25.yaml');
});

t.test('URIs: percent-encoded segments; outside the root a file: URI without a base', async (t) => {
  t.equal(pathToUri('rules/市役所 本庁.yaml'), 'rules/%E5%B8%82%E5%BD%B9%E6%89%80%20%E6%9C%AC%E5%BA%81.yaml');
  t.equal(pathToUri('a#b?c.yaml'), 'a%23b%3Fc.yaml');
  t.equal(pathToUri('/etc/sanso/a b.yaml'), 'file:///etc/sanso/a%20b.yaml');
  const p = [{ ...problems[0]!, loc: { file: '/elsewhere/x.yaml', line: 1, col: 1 } }];
  const doc = JSON.parse(formatSarif(p, meta()));
  t.same(doc.runs[0].results[0].locations[0].physicalLocation.artifactLocation, { uri: 'file:///elsewhere/x.yaml' });
  t.ok(validateSarif(doc), JSON.stringify(validateSarif.errors));
});

t.test('semantic checks not run: a note among the invocation notifications, still valid SARIF', async (t) => {
  t.notOk('invocations' in JSON.parse(formatSarif(problems, meta())).runs[0], 'nothing to say when they ran');
  const doc = JSON.parse(formatSarif([problems[3]!], meta({ semanticSkippedBy: ['rules/30:ex%.yaml'] })));
  t.ok(validateSarif(doc), JSON.stringify(validateSarif.errors));
  t.same(doc.runs[0].invocations, [
    {
      executionSuccessful: true,
      toolExecutionNotifications: [
        {
          descriptor: { id: 'semantic-checks-not-run' },
          level: 'note',
          message: { text: 'semantic checks (names, flows, exceptions, the tier model) were not run because 1 file has syntax or schema errors; they run once those are fixed' },
        },
      ],
    },
  ]);
  t.equal(doc.runs[0].results.length, 1, 'the note is not a result: code scanning opens no alert for it');
});
