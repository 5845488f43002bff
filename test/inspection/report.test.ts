/**
 * The self-inspection report: its verdicts for the sample city and for a city with planted
 * findings, its matrix held against `decide`, the HTML held against html-validate, the example
 * under examples/report/ regenerated, decision logs counted against a naive count, and the PDF
 * printed (one browser launch) and read back with pdftotext.
 */
import t from 'tap';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { HtmlValidate } from 'html-validate';
import fc from '../property/fc.js';
import { loadPolicy, type LoadedPolicy } from '../../src/policy.js';
import { buildInspection, gitCommit, type Inspection, type Status } from '../../src/inspection/build.js';
import { renderReportHtml } from '../../src/inspection/html.js';
import { summariseDecisionLog } from '../../src/inspection/decision-log.js';
import { ZoneMatrix } from '../../src/matrix/matrix.js';
import { parseServiceRange } from '../../src/model/services.js';
import { tableIndex } from '../../src/check/ranges.js';
import { formatAddress } from '../../src/model/cidr.js';
import { FlowResult, resolveFlow } from '../../src/lookup/flow.js';
import { main } from '../../src/cli/main.js';
import { parseDevice } from '../../src/device/parse.js';
import { audit, prepareDevice } from '../../src/audit/audit.js';
import { parseInterfaces } from '../../src/audit/interfaces.js';
import { quickSkip } from '../tiers.js';
import { parseRuleBytes } from '../../src/source/read.js';
import type { Io } from '../../src/cli/io.js';

// Paths relative to the repository root (tap's working directory), as the example shows them.
const AS_OF = '2026-11-30';
const SAMPLE = 'rules/';
const PLANTED = 'test/inspection/fixtures/planted';
const MISTAKES = 'examples/firewalls/iptables-mistakes.save';
const IFACES = 'examples/firewalls/interfaces.yaml';
const ARTIFACTS = 'test-artifacts/report';

function load(path: string): LoadedPolicy {
  const { policy, problems } = loadPolicy([path], { asOf: AS_OF });
  if (!policy) throw new Error(`${path}: ${problems.map((p) => p.message).join('; ')}`);
  return policy;
}

async function plantedAudit(policy: LoadedPolicy) {
  const parsed = await parseDevice(readFileSync(MISTAKES, 'utf8'), MISTAKES, 'auto', { lenient: false });
  const src = parseRuleBytes(IFACES, readFileSync(IFACES), []);
  const { map } = parseInterfaces(src!, policy.model);
  const prepared = parsed.devices.map((d) => prepareDevice(d, policy.table, map));
  return audit(prepared, policy, [], { lang: 'ja' });
}

const statusOf = (r: Inspection) => Object.fromEntries(r.checklist.map((c) => [c.id, c.status])) as Record<string, Status>;

function io(): Io & { out: string; err: string } {
  const o = { out: '', err: '' } as Io & { out: string; err: string };
  o.stdout = (s) => void (o.out += s);
  o.stderr = (s) => void (o.err += s);
  o.stdin = process.stdin;
  o.env = {};
  return o;
}

const sample = load(SAMPLE);
const planted = load(PLANTED);

t.test('the sample city: verdicts per clause', async (t) => {
  const r = buildInspection(sample);
  t.same(statusOf(r), {
    'mn-isolation': 'review', // EX-2026-01 lifts 5(3)ア for mn-zeimu → lg-fileserver smb
    'mn-mfa': 'compliant',
    'split-path': 'compliant',
    'cloud-aggregation': 'compliant',
    exceptions: 'compliant',
    hygiene: 'compliant',
    audit: 'review', // no device given
  });
  const mn = r.checklist.find((c) => c.id === 'mn-isolation')!;
  t.ok(
    mn.evidence.some((e) => e.startsWith('適合: lg-mn-sanitizer (lgwan) → mn-import (mynumber) tcp/445: sanitized file-sanitize [F-110]')),
    'the one-way import is evidence',
  );
  t.ok(
    mn.evidence.some((e) => e.startsWith('例外: mn-zeimu (mynumber) → lg-fileserver (lgwan) tcp/445: exception [EX-2026-01] ≤ 2027-09-30')),
    'the exception is evidence',
  );
  t.same(
    r.exceptions.map((x) => [x.id, x.state, x.days]),
    [['EX-2026-01', 'active', 304]],
  );
  t.same(r.broadRules, []);
  t.equal(r.model, 'alpha');
  t.match(r.version, /^sha256:[0-9a-f]{64}$/);
  // Every crossing is between two different tiers and allowed.
  t.ok(r.crossings.length > 0 && r.crossings.every((c) => c.srcTier !== c.dstTier));
});

t.test('a city with planted findings', async (t) => {
  const a = await plantedAudit(planted);
  const r = buildInspection(planted, { audit: a });
  t.same(statusOf(r), {
    'mn-isolation': 'review',
    'mn-mfa': 'noncompliant',
    'split-path': 'compliant',
    'cloud-aggregation': 'compliant',
    exceptions: 'review',
    hygiene: 'review',
    audit: 'noncompliant',
  });
  t.same(
    r.exceptions.find((x) => x.id === 'EX-2025-07'),
    { ...r.exceptions.find((x) => x.id === 'EX-2025-07'), state: 'expired', days: -153 },
  );
  t.same(
    r.broadRules.map((b) => [b.id, b.covers]),
    [['F-900', ['lgwan']]],
  );
  const hygiene = r.checklist.find((c) => c.id === 'hygiene')!;
  t.ok(hygiene.evidence.some((e) => e.startsWith('SEGMENT-UNUSED') && e.includes('inet-unused')));
  t.match(r.checklist.find((c) => c.id === 'mn-mfa')!.action, /mn-terminals-annex/);
  t.ok(
    a.devices.some((d) => d.counts.violation > 0),
    'the mistaken firewall has violations',
  );
});

t.test('exception states at the 30 and 90 day boundaries', async (t) => {
  // EX-2026-01 expires 2027-09-30.
  const at = (asOf: string) => buildInspection(loadPolicy([SAMPLE], { asOf }).policy!, { git: false });
  t.equal(at('2027-08-31').exceptions[0]!.state, 'within30');
  t.equal(at('2027-08-30').exceptions[0]!.state, 'within90');
  t.equal(at('2027-07-02').exceptions[0]!.state, 'within90');
  t.equal(at('2027-07-01').exceptions[0]!.state, 'active');
  t.equal(at('2027-09-30').exceptions[0]!.state, 'within30');
  const late = at('2027-10-01');
  t.equal(late.exceptions[0]!.state, 'expired');
  t.equal(statusOf(late).exceptions, 'review');
  // Expired, the exception lifts nothing: 5(3)ア has only the sanitized import left.
  t.equal(statusOf(late)['mn-isolation'], 'compliant');
});

t.test("the report's matrix agrees with decide at every witness flow", async (t) => {
  for (const policy of [sample, planted]) {
    const r = buildInspection(policy, { git: false });
    const table = policy.table;
    const ix = tableIndex(table);
    const segs = table.model.segments;
    const m = new ZoneMatrix(table);
    const out = new FlowResult();
    // The rendered segment matrix, cell by cell.
    const html = renderReportHtml(r, { lang: 'ja', tool: 'sanso test' });
    const rendered = [...html.matchAll(/<td class="k-([a-z-]+)">/g)].map((x) => x[1]);
    t.equal(rendered.length, segs.length * segs.length, 'one rendered cell per segment pair');
    let k = 0;
    let tried = 0;
    for (const a of segs) {
      for (const b of segs) {
        const sum = m.summaries[m.cell(a.index, b.index)]!;
        t.equal(rendered[k++], sum.kind);
        t.equal(r.segmentMatrix!.kinds[a.index]![b.index], sum.kind);
        const sa = ix.low4[a.index]!;
        const sb = ix.low4[b.index]!;
        for (const e of sum.entries) {
          const svc = parseServiceRange(e.witnessService);
          if (!svc.ok) throw new Error(e.witnessService);
          const id = table.decideSegments(a.index, b.index, Math.floor(svc.range.lo / 65536), svc.range.lo % 65536);
          const d = table.decision(id);
          t.same([d.decision, d.code, d.ruleId], [e.decision, e.code, e.rule], `${a.name} → ${b.name} ${e.witnessService}`);
          if (sa >= 0 && sb >= 0) {
            t.ok(resolveFlow(table, formatAddress(4, BigInt(sa)), formatAddress(4, BigInt(sb)), e.witnessService, out));
            t.equal(out.decision, id, 'decided from addresses, the same');
            tried++;
          }
        }
      }
    }
    t.ok(tried > 100, `${tried} witness flows decided from addresses`);
    // The crossings list is exactly the allowed entries between two tiers.
    const expected = segs.flatMap((a) =>
      segs.flatMap((b) =>
        a.tier === b.tier
          ? []
          : m.summaries[m.cell(a.index, b.index)]!.entries.filter((e) => e.decision === 'allow').map((e) => `${a.name}>${b.name}>${e.rule}>${e.witnessService}`),
      ),
    );
    t.same(
      r.crossings.map((c) => `${c.src}>${c.dst}>${c.rule}>${c.witnessService}`),
      expected,
    );
  }
});

t.test('the HTML validates and is self-contained', async (t) => {
  // html-validate:recommended, minus: no-inline-style (the footer template is not in the HTML;
  // the report itself uses a <style> element, which is what a self-contained file needs) and
  // long-title (the title names the city and the date, which auditors file it by).
  const hv = new HtmlValidate({ extends: ['html-validate:recommended'], rules: { 'long-title': 'off' } });
  const a = await plantedAudit(planted);
  const docs = {
    sample: renderReportHtml(buildInspection(sample), { lang: 'ja', tool: 'sanso test' }),
    planted: renderReportHtml(buildInspection(planted, { audit: a, log: summariseDecisionLog(logLines(), planted.table) }), { lang: 'ja', tool: 'sanso test' }),
    english: renderReportHtml(buildInspection(sample), { lang: 'en', tool: 'sanso test' }),
  };
  for (const [name, html] of Object.entries(docs)) {
    const report = await hv.validateString(html);
    t.same(
      report.results.flatMap((x) => x.messages.map((m) => `${m.line}:${m.column} ${m.ruleId} ${m.message}`)),
      [],
      `${name}: no html-validate messages`,
    );
    t.notMatch(html, /<script|<link|<img|<iframe|\bsrc=|@import|url\((?!#)/i, `${name}: no script, no external resource`);
    t.match(html, /<svg /);
  }
  t.match(docs.sample, /<html lang="ja">/);
  t.match(docs.english, /<html lang="en">/);
  t.match(docs.english, /needs review/);
  // Text in the rule files is escaped.
  const r = buildInspection(sample, { git: false });
  r.city = '<b>&"';
  t.match(renderReportHtml(r, { lang: 'ja', tool: 'x' }), /&lt;b&gt;&amp;&quot;/);
});

function logLines(): string {
  const lines = [
    {
      level: 30,
      time: '2026-11-01T09:00:00.000Z',
      log: 'decision',
      route: '/v1/decide',
      caller: 'ci',
      input: { src: '10.20.100.5', dst: '172.16.1.5', service: 'tcp/443' },
      result: { decision: 'deny', code: 'SPLIT-PATH', rule: null },
    },
    {
      level: 30,
      time: '2026-11-02T09:00:00.000Z',
      log: 'decision',
      route: '/v1/decide',
      caller: 'ci',
      input: { src: '10.20.100.6', dst: '172.16.1.6', service: 'tcp/443' },
      result: { decision: 'deny', code: 'SPLIT-PATH', rule: null },
    },
    {
      level: 30,
      time: '2026-11-03T09:00:00.000Z',
      log: 'decision',
      route: '/v1/decide',
      caller: 'console',
      input: { src: '10.20.100.5', dst: '172.16.9.10', service: 'tcp/443' },
      result: { decision: 'allow', code: 'GRANTED', rule: 'F-120' },
    },
    { level: 30, time: '2026-11-04T09:00:00.000Z', log: 'decision', route: '/v1/decide/batch', caller: null, flows: 5, errors: 0, counts: { GRANTED: 3, 'MN-ISOLATION': 2 } },
    { level: 30, time: '2026-11-05T09:00:00.000Z', msg: 'request completed' },
  ];
  return `${lines.map((l) => JSON.stringify(l)).join('\n')}\nnot json\n`;
}

t.test('decision logs: counts per code, denied cells, callers', async (t) => {
  const s = summariseDecisionLog(logLines(), sample.table);
  t.same(s.codes, [
    { code: 'GRANTED', count: 4 },
    { code: 'MN-ISOLATION', count: 2 },
    { code: 'SPLIT-PATH', count: 2 },
  ]);
  t.same(s.denied, [{ src: 'lg-terminals', dst: 'inet-cms', count: 2 }]);
  t.same(s.callers, [
    { caller: 'ci', count: 2 },
    { caller: '(anonymous)', count: 1 },
    { caller: 'console', count: 1 },
  ]);
  t.same([s.entries, s.skipped, s.from, s.to], [4, 2, '2026-11-01T09:00:00.000Z', '2026-11-04T09:00:00.000Z']);

  // Against a naive count on random logs.
  const addrs = ['10.20.100.5', '172.16.1.5', '10.10.1.10', '172.16.9.10', '192.0.2.10', '10.20.1.20'];
  const entry = fc.record({
    caller: fc.constantFrom('a', 'b', null),
    src: fc.constantFrom(...addrs),
    dst: fc.constantFrom(...addrs),
    service: fc.constantFrom('tcp/443', 'tcp/445', 'tcp/22', 'udp/53'),
  });
  fc.assert(
    fc.property(fc.array(entry, { maxLength: 40 }), (es) => {
      const out = new FlowResult();
      const lines = es.map((e) => {
        resolveFlow(sample.table, e.src, e.dst, e.service, out);
        const d = sample.table.decision(out.decision);
        return { log: 'decision', caller: e.caller, input: e, result: { decision: d.decision, code: d.code }, seg: [out.srcSeg, out.dstSeg] };
      });
      const s = summariseDecisionLog(lines.map((l) => JSON.stringify(l)).join('\n'), sample.table);
      const codes = new Map<string, number>();
      const denied = new Map<string, number>();
      for (const l of lines) {
        codes.set(l.result.code, (codes.get(l.result.code) ?? 0) + 1);
        const names = sample.model.segments;
        if (l.result.decision === 'deny') {
          const k = `${names[l.seg[0]!]!.name}>${names[l.seg[1]!]!.name}`;
          denied.set(k, (denied.get(k) ?? 0) + 1);
        }
      }
      t.same(new Map(s.codes.map((c) => [c.code, c.count])), codes);
      const top = [...denied.values()].sort((a, b) => b - a).slice(0, 10);
      t.same(
        s.denied.map((d) => d.count),
        top,
      );
      for (const d of s.denied) t.equal(denied.get(`${d.src}>${d.dst}`), d.count);
      t.equal(s.entries, es.length);
    }),
    { numRuns: 30 },
  );
});

t.test('rule files carry the commit that last touched them', async (t) => {
  const r = buildInspection(sample);
  t.ok(r.files.every((f) => f.commit === null || /^[0-9a-f]{40}$/.test(f.commit)));
  let inGit = false;
  try {
    execFileSync('git', ['rev-parse', '--git-dir'], { stdio: 'ignore' });
    inGit = true;
  } catch {
    /* not a checkout */
  }
  if (inGit)
    t.ok(
      r.files.some((f) => f.commit !== null),
      'in a checkout, rule files have commits',
    );
  const dir = t.testdir({ 'x.yaml': 'segments: []\n' });
  t.equal(gitCommit(join(dir, 'x.yaml')), null, 'a file outside git has none');
  t.equal(gitCommit('/nonexistent/dir/x.yaml'), null);
});

t.test('sanso report: usage and bad input', async (t) => {
  let c = io();
  t.equal(await main(['report', '--help'], c), 0);
  t.match(c.out, /--out FILE/);
  c = io();
  t.equal(await main(['report'], c), 2);
  t.match(c.err, /needs --out/);
  c = io();
  t.equal(await main(['report', '--out', 'x.txt'], c), 2);
  c = io();
  t.equal(await main(['report', '--out', 'x.html', 'stray'], c), 2);
  c = io();
  t.equal(await main(['report', '--out', 'x.html', '--device-format', 'cisco'], c), 2);
  const dir = t.testdir({ 'bad.save': '*filter\n-A FORWARD -m weird --x -j ACCEPT\nCOMMIT\n' });
  c = io();
  t.equal(await main(['report', '--as-of', AS_OF, '--out', join(dir, 'r.html'), '--audit', join(dir, 'bad.save')], c), 1);
  t.notOk(existsSync(join(dir, 'r.html')));
  c = io();
  // Paths that do not exist are usage errors (exit 2), as in every command.
  t.equal(await main(['report', '--as-of', AS_OF, '--out', join(dir, 'r.html'), '--decision-log', join(dir, 'missing.ndjson')], c), 2);
  t.match(c.err, /missing\.ndjson does not exist/);
  c = io();
  t.equal(await main(['report', '--as-of', AS_OF, '--out', join(dir, 'r.html'), '--audit', join(dir, 'missing.save')], c), 2);
  c = io();
  t.equal(await main(['report', '--rules', join(dir, 'nope'), '--out', join(dir, 'r.html')], c), 2);
});

t.test('sanso report writes HTML; the example under examples/report/ is current', async (t) => {
  const dir = t.testdir({ 'log.ndjson': logLines() });
  const out = join(dir, 'sample.html');
  const c = io();
  t.equal(await main(['report', '--as-of', AS_OF, '--out', out], c), 0, c.err);
  t.match(c.out, /適合 5, 要確認 2, 不適合 0/);
  // Commits and the tool's version change without the report changing meaning.
  const norm = (s: string) => s.replace(/[0-9a-f]{40}/g, 'COMMIT').replace(/sanso \d+\.\d+\.\d+\S*/g, 'sanso VERSION');
  t.equal(
    norm(readFileSync(out, 'utf8')),
    norm(readFileSync('examples/report/sample-city.html', 'utf8')),
    'regenerate with: sanso report --as-of 2026-11-30 --out examples/report/sample-city.html',
  );
  const full = join(dir, 'planted.html');
  const c2 = io();
  t.equal(
    await main(['report', '--rules', PLANTED, '--as-of', AS_OF, '--audit', MISTAKES, '--interfaces', IFACES, '--decision-log', join(dir, 'log.ndjson'), '--out', full], c2),
    0,
    c2.err,
  );
  t.match(c2.out, /不適合 2/);
  const html = readFileSync(full, 'utf8');
  t.match(html, /機器設定の監査/);
  t.match(html, /判定ログ/);
  t.match(html, /lg-terminals<\/td><td class="mono">inet-cms<\/td><td>2<\/td>/);
});

const CHROMIUM = '/usr/bin/chromium';
const have = (cmd: string) => {
  try {
    execFileSync(cmd, ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const pdfSkip =
  quickSkip('the PDF test') ??
  (!existsSync(CHROMIUM) ? `${CHROMIUM} is not installed (apt-get install chromium)` : !have('pdftotext') ? 'pdftotext is not installed (apt-get install poppler-utils)' : false);

t.test('PDF: printed once per city, verdicts in its text, first pages as pictures', { skip: pdfSkip }, async (t) => {
  const { htmlToPdf } = await import('../../src/inspection/pdf.js');
  const a = await plantedAudit(planted);
  const [p1, p2] = await htmlToPdf([
    renderReportHtml(buildInspection(sample), { lang: 'ja', tool: 'sanso test' }),
    renderReportHtml(buildInspection(planted, { audit: a }), { lang: 'ja', tool: 'sanso test' }),
  ]);
  mkdirSync(ARTIFACTS, { recursive: true });
  const text: Record<string, string> = {};
  for (const [name, pdf] of [
    ['sample', p1!],
    ['planted', p2!],
  ] as const) {
    t.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    const file = join(ARTIFACTS, `${name}.pdf`);
    writeFileSync(file, pdf);
    text[name] = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    execFileSync('pdftoppm', ['-png', '-r', '50', '-f', '1', '-l', '3', file, join(ARTIFACTS, name)]);
  }
  const s = text.sample!;
  t.match(s, /情報セキュリティ自己点検報告書/);
  t.match(s, /サンプル市/);
  t.match(s, /2026-11-30/);
  t.match(s, /sha256:[0-9a-f]{64}/);
  t.match(s, /\b1\s*\/\s*\d+/, 'page numbers in the footer');
  t.match(s, /適合 5、要確認 2、不適合 0/);
  const p = text.planted!;
  t.match(p, /適合 2、要確認 3、不適合 2/);
  t.match(p, /mn-terminals-annex/);
  t.match(p, /EX-2025-07/);
  t.match(p, /期限切れ/);
  t.match(p, /F-900/);
  t.match(p, /機器設定の監査/);
  t.match(p, /違反/);
});
