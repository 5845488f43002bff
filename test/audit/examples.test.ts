/**
 * The firewall examples of examples/firewalls/ (dumps printed by iptables-save and nft -j list
 * ruleset from src/*.rules and src/*.nft): the compliant ones audit clean, the ones with the
 * mistakes auditors find give exactly the findings below.
 *
 * "Exactly" is checked twice: against fixed expectations (which rules, how many findings of each
 * kind), and against a naive enumeration — every rule in these dumps names whole segment CIDRs
 * (or a host inside one whose rule is shadowed), so the first address of every segment CIDR and
 * the edges of every port range stand for every flow; each such flow is decided by the naive
 * device evaluator and the reference policy evaluator, and the disagreements must be the findings.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { auditDevice, prepareDevice, type AuditResult } from '../../src/audit/audit.js';
import { parseInterfaces } from '../../src/audit/interfaces.js';
import { parseDevice } from '../../src/device/parse.js';
import { parseCidr } from '../../src/model/cidr.js';
import { formatServiceKey } from '../../src/model/services.js';
import { parseRuleBytes } from '../../src/source/read.js';
import { sanso } from '../cli/run.js';
import { evaluateDevice } from '../reference/device.js';
import { ReferenceEvaluator } from '../reference/evaluator.js';
import { loadPaths, mergeFiles } from '../property/pipeline.js';

const DIR = 'examples/firewalls';
const AS_OF = '2026-11-30';
const IFACES = `${DIR}/interfaces.yaml`;

async function run(file: string, ...more: string[]): Promise<{ code: number; result: AuditResult; err: string }> {
  const r = await sanso(['audit', `${DIR}/${file}`, '--interfaces', IFACES, '--as-of', AS_OF, '--format', 'json', '--max-findings', '100000', ...more]);
  return { code: r.code, result: JSON.parse(r.out) as AuditResult, err: r.err };
}

for (const file of ['iptables-compliant.save', 'nft-compliant.json']) {
  t.test(`${file} enforces the policy`, async (t) => {
    const { code, result } = await run(file);
    t.equal(code, 0);
    t.equal(result.verdict, 'compliant');
    t.same(result.devices[0]!.counts, { violation: 0, ungranted: 0, outage: 0, unreachable: 0 });
    // The conntrack rules serve return traffic: listed, not reported.
    t.equal(result.devices[0]!.stateRules.length, 2);
  });
}

/** Per kind: the texts of the device rules findings name (a marker in each), and the counts. */
const MISTAKES = {
  'iptables-mistakes.save': { violation: 365, ungranted: 60, outage: 0, unreachable: 2 },
  'nft-mistakes.json': { violation: 370, ungranted: 60, outage: 0, unreachable: 2 },
};

for (const [file, counts] of Object.entries(MISTAKES)) {
  t.test(`${file}: the four mistakes, exactly`, async (t) => {
    const { code, result } = await run(file);
    t.equal(code, 3);
    const d = result.devices[0]!;
    t.same(d.counts, counts);
    t.equal(d.truncated, false);
    const rulesOf = (kind: string): string[] =>
      [...new Set(d.findings.filter((f) => f.kind === kind).map((f) => /comment "([^"]+)"/.exec(f.device.text ?? '')?.[1] ?? f.device.text ?? 'default'))].sort();
    // The maintenance rule into My Number, LGWAN reaching the CMS directly, the migration any→any.
    t.same(rulesOf('violation'), ['CMS editing from the desk (temporary)', 'migration from the old firewall, remove after cut-over', 'mn-juki maintenance 2026-10 (vendor)']);
    t.same(rulesOf('ungranted'), ['migration from the old firewall, remove after cut-over']);
    // The duplicate proxy rule is shadowed; the LOG rule after the any→any is never reached.
    const unreachable = d.findings.filter((f) => f.kind === 'unreachable');
    t.equal(unreachable.length, 2);
    t.ok(unreachable.some((f) => f.device.text?.includes('vbrowser-01 proxy') && f.shadowedBy!.length === 1 && f.shadowedBy![0]!.text!.includes('F-133')));
    t.ok(unreachable.some((f) => /LOG|log/.test(f.device.text ?? '') && f.shadowedBy!.some((s) => s.text!.includes('migration'))));
    const maintenance = d.findings.find((f) => f.device.text?.includes('maintenance'))!;
    t.same(
      { code: maintenance.code, src: maintenance.src!.segment, dst: maintenance.dst!.segment, witness: maintenance.witness },
      { code: 'MN-ISOLATION', src: 'lg-ops', dst: 'mn-juki', witness: { src: '10.20.9.0', dst: '10.10.1.0', service: 'tcp/22' } },
    );
    const cms = d.findings.filter((f) => f.device.text?.includes('CMS editing'));
    // The iptables rule sits in LG-WEB, which only terminals reach; nft's lg_web is jumped to by
    // every LGWAN segment's https, so there the rule opens the CMS to all of them.
    const from = file.startsWith('nft')
      ? ['lg-fileserver', 'lg-groupware', 'lg-mail', 'lg-mn-sanitizer', 'lg-ops', 'lg-terminals', 'lg-terminals-annex']
      : ['lg-terminals', 'lg-terminals-annex'];
    t.same(
      [...new Set(cms.map((f) => `${f.code} ${f.src!.segment} → ${f.dst!.segment} ${f.witness!.service}`))].sort(),
      from.map((s) => `SPLIT-PATH ${s} → inet-cms tcp/443`),
    );
  });
}

t.test('the example findings equal a naive enumeration over segment CIDRs and port edges', async (t) => {
  const loaded = loadPaths(['rules'], AS_OF);
  const raw = mergeFiles(loaded.files);
  const ref = new ReferenceEvaluator(raw, AS_OF);
  const model = loaded.model!;
  const table = loaded.table!;
  const source = parseRuleBytes(IFACES, readFileSync(IFACES), [])!;
  const { map } = parseInterfaces(source, model);
  const ifaceOf = (segName: string): string | null => {
    const i = model.segments.findIndex((s) => s.name === segName);
    const k = map!.segmentIface[i]!;
    return k >= 0 ? map!.names[k]! : null;
  };
  const firsts: { family: 4 | 6; value: bigint }[] = [];
  for (const s of raw.segments)
    for (const c of s.cidrs) {
      const r = parseCidr(c);
      if (r.ok) firsts.push({ family: r.cidr.family, value: r.cidr.first });
    }
  // An address in no segment, per family: outside.
  firsts.push({ family: 4, value: 0x08080808n }, { family: 6, value: 0x20010db8ffff0000n << 64n });
  for (const file of ['iptables-mistakes.save', 'nft-mistakes.json', 'iptables-compliant.save', 'nft-compliant.json']) {
    const parsed = await parseDevice(readFileSync(`${DIR}/${file}`, 'utf8'), `${DIR}/${file}`, 'auto', { lenient: false });
    const device = parsed.devices[0]!;
    const keys = new Set<number>([65536, 58 * 65536, 47 * 65536, 6 * 65536 + 1, 17 * 65536 + 1, 6 * 65536 + 65535, 17 * 65536 + 65535]);
    for (const c of device.chains.values())
      for (const r of c.rules)
        for (const k of r.conditions) {
          if (k.kind === 'service') for (const x of k.ranges) for (const y of [x.lo - 1, x.lo, x.hi, x.hi + 1]) keys.add(y);
        }
    for (const p of [22, 25, 53, 443, 445, 3389, 8080]) for (const y of [p - 1, p, p + 1]) keys.add(6 * 65536 + y), keys.add(17 * 65536 + y);
    const flowKeys = [...keys].filter((k) => {
      const p = Math.floor(k / 65536);
      return p === 6 || p === 17 ? k % 65536 >= 1 : k % 65536 === 0;
    });
    const naive = new Set<string>();
    const fmt = (a: { family: 4 | 6; value: bigint }): string =>
      a.family === 4 ? [24n, 16n, 8n, 0n].map((s) => String((a.value >> s) & 255n)).join('.') : a.value.toString(16).replace(/(.{4})(?!$)/g, '$1:');
    for (const s of firsts)
      for (const d of firsts) {
        if (s.family !== d.family || !device.families.includes(s.family)) continue;
        for (const key of flowKeys) {
          const pol = ref.decide(fmt(s), fmt(d), formatServiceKey(key));
          if (!pol.ok) throw new Error(pol.error);
          const inIf = ifaceOf(pol.decision.src.segment);
          const outIf = ifaceOf(pol.decision.dst.segment);
          if (inIf === null || outIf === null || inIf === outIf) continue;
          const v = evaluateDevice(device, {
            family: s.family,
            src: s.family === 4 ? Number(s.value) : s.value,
            dst: d.family === 4 ? Number(d.value) : d.value,
            key,
            inIf,
            outIf,
          });
          const allow = pol.decision.decision === 'allow';
          if ((v.action === 'accept') === allow) continue;
          const kind = allow ? 'outage' : pol.decision.code === 'NO-GRANT' ? 'ungranted' : 'violation';
          naive.add(
            `${kind} ${pol.decision.code} ${pol.decision.src.segment} ${pol.decision.dst.segment} ${v.rule ? `${v.rule.loc.line}:${v.rule.loc.col}` : `default ${v.chain}`}`,
          );
        }
      }
    const prep = prepareDevice(device, table, map);
    const audit = auditDevice(prep, table, { lang: 'en', maxFindings: 1_000_000 });
    const got = new Set(
      audit.findings
        .filter((f) => f.kind !== 'unreachable')
        .map((f) => `${f.kind} ${f.code} ${f.src!.segment} ${f.dst!.segment} ${f.device.default ? `default ${f.device.chain}` : `${f.device.line}:${f.device.col}`}`),
    );
    t.same([...got].sort(), [...naive].sort(), file);
  }
});
