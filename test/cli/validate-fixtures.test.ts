/**
 * Every bad fixture through `sanso validate` in every format, in-process: the code the fixture's
 * header expects must appear at the expected line and column in each report, where that format
 * carries it (text line, JSON fields, SARIF region, github line=/col=, JUnit case and failure).
 */
import t from 'tap';
import { sanso } from './run.js';
import { CODES, type ProblemCode } from '../../src/problems/codes.js';
import { escapeProperty } from '../../src/report/github.js';
import { pathToUri } from '../../src/report/sarif.js';
import { loadFixtures } from '../fixtures/expect.js';
import { parseJunit, validateJunit } from '../report/junit-schema.js';
import { validateSarif } from '../report/sarif-schema.js';

const FORMATS = ['text', 'json', 'sarif', 'github', 'junit'] as const;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const bad = loadFixtures('test/fixtures/bad');
const good = loadFixtures('test/fixtures/good');
const junitDocs: { fileName: string; contents: string }[] = [];

t.test('the corpus is there', async (t) => {
  t.ok(bad.length > 0, 'bad fixtures');
  t.ok(good.length > 0, 'good fixtures');
});

for (const fx of bad) {
  t.test(`bad: ${fx.name}`, async (t) => {
    t.ok(fx.expected.length > 0, 'the fixture says what it expects');
    const want = fx.expected.map((e) => ({ ...e, code: e.code as ProblemCode }));
    for (const w of want) t.ok(Object.hasOwn(CODES, w.code), `${w.code} is a catalogue code`);
    const anyError = want.some((w) => CODES[w.code]?.severity === 'error');
    const out: Record<string, { code: number; out: string }> = {};
    for (const f of FORMATS) {
      out[f] = await sanso(['validate', fx.path, '--format', f, '--strict']);
      t.equal(out[f]!.code, 1, `${f}: exit 1 (errors, or warnings under --strict)`);
    }
    t.equal((await sanso(['validate', fx.path])).code, anyError ? 1 : 0, anyError ? 'errors fail' : 'warnings alone pass without --strict');

    const json = JSON.parse(out.json!.out);
    const sarif = JSON.parse(out.sarif!.out);
    t.ok(validateSarif(sarif), `SARIF schema: ${JSON.stringify(validateSarif.errors)}`);
    const junit = parseJunit(out.junit!.out);
    junitDocs.push({ fileName: `${fx.name}.xml`, contents: out.junit!.out });
    const cases = (junit.testsuites.testsuite as any[]).flatMap((s) => s.testcase as any[]);
    const ghLines = out.github!.out.split('\n');

    for (const w of want) {
      const at = `${w.code} ${w.file}:${w.line}:${w.col}`;
      const sev = CODES[w.code].severity;
      t.match(out.text!.out, new RegExp(`^${escapeRe(w.file)}:${w.line}:${w.col}: ${sev} ${w.code} `, 'm'), `text: ${at}`);
      t.ok(
        json.problems.some((p: any) => p.file === w.file && p.line === w.line && p.col === w.col && p.code === w.code && p.severity === sev),
        `json: ${at}`,
      );
      t.ok(
        sarif.runs[0].results.some(
          (r: any) =>
            r.ruleId === w.code &&
            r.level === sev &&
            r.locations[0].physicalLocation.artifactLocation.uri === pathToUri(w.file) &&
            r.locations[0].physicalLocation.region.startLine === w.line &&
            r.locations[0].physicalLocation.region.startColumn === w.col,
        ),
        `sarif: ${at}`,
      );
      t.ok(
        ghLines.some((l) => l.startsWith(`::${sev} file=${escapeProperty(w.file)},line=${w.line},col=${w.col},title=${w.code}::`)),
        `github: ${at}`,
      );
      t.ok(
        cases.some(
          (c) =>
            c.classname === w.file &&
            c.name.startsWith(`${w.code} at ${w.line}:${w.col}`) &&
            (c.failure ?? []).some((f: any) => f.type === w.code && f['#text'].startsWith(`${w.file}:${w.line}:${w.col}: ${sev} ${w.code} `)),
        ),
        `junit: ${at}`,
      );
    }
  });
}

t.test('good fixtures exit 0 with nothing to report', async (t) => {
  for (const fx of good) {
    const r = await sanso(['validate', fx.path, '--strict']);
    t.equal(r.code, 0, `${fx.name}: ${r.out}`);
    t.equal(r.out, '', fx.name);
  }
});

t.test('every JUnit report is valid against junit-10.xsd', async (t) => {
  t.ok(junitDocs.length > 0);
  // one xmllint run for the whole corpus: the WebAssembly start-up is the slow part
  const r = await validateJunit(junitDocs);
  t.ok(r.valid, r.errors.join('\n'));
});
