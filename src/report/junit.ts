/**
 * JUnit XML for Jenkins, GitLab and other CI test-report views, valid against Jenkins'
 * junit-10.xsd. One <testsuite> per rule file (what Jenkins users expect: a file is where they
 * go to fix things); one <testcase> per problem, or a single passing "valid" case for a clean
 * file so every file counts as a test. Errors are <failure>s. Warnings are <skipped> cases:
 * visible in the report without failing the build, matching exit code 0; with --strict they
 * fail the run, so they become <failure>s too.
 *
 * When syntax or schema errors stopped the load, no file was checked for names, flows, exceptions
 * or the tier model, so no file passes: every rule file gets a skipped "semantic checks" case
 * saying why, in place of the "valid" one.
 */
import type { Problem } from '../problems/problem.js';
import type { Formatter } from './meta.js';
import { messageOf, ordered, semanticNote } from './meta.js';

/** Characters XML 1.0 cannot carry at all, not even as references (C0 controls, lone surrogates, U+FFFE/F). */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function stripNonXml(s: string): string {
  return s.replace(NOT_XML, '');
}

export function escapeXmlText(s: string): string {
  return stripNonXml(s).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Attribute values: quotes too, and whitespace as references, which attribute normalisation would flatten to spaces. */
export function escapeXmlAttr(s: string): string {
  return escapeXmlText(s).replaceAll('"', '&quot;').replaceAll("'", '&apos;').replaceAll('\t', '&#9;').replaceAll('\n', '&#10;').replaceAll('\r', '&#13;');
}

function attrs(a: Record<string, string | number>): string {
  return Object.entries(a)
    .map(([k, v]) => ` ${k}="${escapeXmlAttr(String(v))}"`)
    .join('');
}

interface Suite {
  file: string;
  problems: Problem[];
}

/** Rule files in merge order, then any other place a problem names (a missing path, an empty directory). */
function suites(problems: readonly Problem[], files: readonly string[]): Suite[] {
  const byFile = new Map<string, Suite>();
  for (const f of files) if (!byFile.has(f)) byFile.set(f, { file: f, problems: [] });
  for (const p of ordered(problems)) {
    let s = byFile.get(p.loc.file);
    if (!s) byFile.set(p.loc.file, (s = { file: p.loc.file, problems: [] }));
    s.problems.push(p);
  }
  return [...byFile.values()];
}

export const formatJunit: Formatter = (problems, meta) => {
  const strict = meta.strict ?? false;
  const note = semanticNote(meta);
  const ruleFiles = new Set(meta.files);
  let total = 0;
  let totalFailures = 0;
  const body: string[] = [];
  for (const s of suites(problems, meta.files)) {
    const cases: string[] = [];
    let failures = 0;
    let skipped = 0;
    const seen = new Map<string, number>();
    for (const p of s.problems) {
      // Jenkins keys results on (classname, name); a repeated name would hide a problem.
      const base = `${p.code} at ${p.loc.line}:${p.loc.col}`;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      const name = n === 1 ? base : `${base} (${n})`;
      const message = messageOf(p, meta);
      const detail = `${p.loc.file}:${p.loc.line}:${p.loc.col}: ${p.severity} ${p.code} ${message}`;
      const fails = p.severity === 'error' || strict;
      const tag = fails ? 'failure' : 'skipped';
      if (fails) failures++;
      else skipped++;
      cases.push(
        `    <testcase${attrs({ classname: s.file, name })}>\n` + `      <${tag}${attrs({ type: p.code, message })}>${escapeXmlText(detail)}</${tag}>\n` + `    </testcase>\n`,
      );
    }
    if (note !== null && ruleFiles.has(s.file)) {
      skipped++;
      cases.push(
        `    <testcase${attrs({ classname: s.file, name: 'semantic checks' })}>\n` +
          `      <skipped${attrs({ type: 'semantic-checks-not-run', message: note })}/>\n` +
          `    </testcase>\n`,
      );
    }
    if (cases.length === 0) cases.push(`    <testcase${attrs({ classname: s.file, name: 'valid' })}/>\n`);
    total += cases.length;
    totalFailures += failures;
    body.push(
      `  <testsuite${attrs({ name: s.file, tests: cases.length, failures, errors: 0, skipped, file: s.file })}>\n` +
        `    <properties>\n` +
        `      <property${attrs({ name: 'sanso.version', value: meta.tool.version })}/>\n` +
        `      <property${attrs({ name: 'policyVersion', value: meta.version })}/>\n` +
        `    </properties>\n` +
        cases.join('') +
        `  </testsuite>\n`,
    );
  }
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites${attrs({ name: `${meta.tool.name} validate`, tests: total, failures: totalFailures, errors: 0 })}>\n` +
    body.join('') +
    `</testsuites>\n`
  );
};
