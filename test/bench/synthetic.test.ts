/**
 * The benchmark's synthetic prefecture generator: deterministic per seed, the promised sizes,
 * every network distinct (nested and adjacent ones among them), and a rule set that validates
 * with no errors. No timings here: the benchmark measures, tests only check what it measures on.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parseCidr } from '../../src/model/cidr.js';
import { parseServiceRange } from '../../src/model/services.js';
import { validateRuleSet } from '../../src/validate/index.js';
import { AS_OF, formatV4, formatV6, generatePrefecture, PREFECTURE, rng, type Prefecture, type PrefectureSize } from '../../bench/synthetic.js';

const SMALL: PrefectureSize = { segments: 60, cidrs: 600, flows: 200, serviceRanges: 40 };
const MEDIUM: PrefectureSize = { segments: 300, cidrs: 3000, flows: 750, serviceRanges: 120 };

function allCidrs(p: Prefecture): { seg: string; text: string }[] {
  return p.rules.segments.flatMap((s) => s.cidrs.map((text) => ({ seg: s.name, text })));
}

function written(p: Prefecture): { dir: string; paths: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'sanso-synthetic-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, paths: p.writeTo(join(dir, 'rules')) };
}

t.test('the same seed gives the same rule set, another seed another', async (t) => {
  t.same(generatePrefecture(7, SMALL).rules, generatePrefecture(7, SMALL).rules);
  t.notSame(generatePrefecture(7, SMALL).rules, generatePrefecture(8, SMALL).rules);
  const a = rng(42);
  const b = rng(42);
  const xs = Array.from({ length: 5 }, () => a());
  t.same(
    Array.from({ length: 5 }, () => b()),
    xs,
  );
  t.ok(xs.every((x) => x >= 0 && x < 1));
});

t.test('the default prefecture has the promised sizes', async (t) => {
  t.same(PREFECTURE, { segments: 2000, cidrs: 20000, flows: 5000, serviceRanges: 300 });
  const p = generatePrefecture(1);
  const cidrs = allCidrs(p);
  t.equal(p.rules.segments.length, 2000);
  t.equal(cidrs.length, 20000);
  t.equal(p.rules.flows!.length, 5000);
  t.equal(new Set(p.serviceRanges).size, 300);
  const tiers = new Set(p.rules.segments.map((s) => s.tier));
  t.same([...tiers].sort(), ['internet', 'lgwan', 'mynumber']);
  const v6 = cidrs.filter((c) => c.text.includes(':')).length;
  t.ok(v6 > 0 && v6 < cidrs.length, `IPv4 and IPv6 both (${v6} IPv6)`);
  t.ok(
    p.rules.flows!.some((f) => f.action === 'deny'),
    'deny rules',
  );
  t.ok(
    p.rules.flows!.some((f) => (f.action ?? 'allow') === 'allow'),
    'allow rules',
  );
  t.ok(p.rules.exceptions!.length > 0, 'exceptions');
  t.ok(
    p.rules.exceptions!.every((e) => e.expires > AS_OF),
    'every exception unexpired on AS_OF',
  );
});

t.test('every network is written once; some nest inside another segment, some are adjacent', async (t) => {
  const p = generatePrefecture(3, MEDIUM);
  const parsed = allCidrs(p).map((c) => {
    const r = parseCidr(c.text);
    if (!r.ok) throw new Error(`${c.text}: ${r.reason}`);
    return { ...c, ...r.cidr };
  });
  t.equal(parsed.length, MEDIUM.cidrs);
  const networks = new Set(parsed.map((c) => `${c.family}:${c.first}/${c.prefix}`));
  t.equal(networks.size, parsed.length, 'no network twice, however it is written');

  const byFamily = (f: 4 | 6) => parsed.filter((c) => c.family === f).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : a.prefix - b.prefix));
  let nested = 0;
  let adjacent = 0;
  for (const f of [4, 6] as const) {
    const list = byFamily(f);
    const starts = new Map(list.map((c) => [c.first, c]));
    for (const c of list) {
      const next = starts.get(c.last + 1n);
      if (next && next.seg !== c.seg) adjacent++;
    }
    // Nested in another segment's CIDR: the aggregates are the only large prefixes, scan them.
    const big = list.filter((c) => c.prefix <= (f === 4 ? 23 : 49));
    for (const c of list) if (big.some((b) => b.seg !== c.seg && b.prefix < c.prefix && b.first <= c.first && c.last <= b.last)) nested++;
  }
  t.ok(nested > 0, `${nested} CIDRs nested in another segment's`);
  t.ok(adjacent > 0, `${adjacent} CIDRs adjacent to another segment's`);
});

t.test('the service ranges are distinct ranges and every one is used by a rule', async (t) => {
  const p = generatePrefecture(5, SMALL);
  const ranges = p.serviceRanges.map((s) => {
    const r = parseServiceRange(s);
    if (!r.ok) throw new Error(`${s}: ${r.reason}`);
    return `${r.range.lo}-${r.range.hi}`;
  });
  t.equal(new Set(ranges).size, SMALL.serviceRanges);
  const used = new Set<string>();
  for (const f of p.rules.flows!) for (const s of f.services) used.add(s);
  for (const list of Object.values(p.rules.services!)) for (const s of list) used.add(s);
  t.same(
    p.serviceRanges.filter((s) => !used.has(s)),
    [],
  );
});

t.test('the rule files validate with no errors, as written to disk', async (t) => {
  for (const [size, seed] of [
    [SMALL, 11],
    [MEDIUM, 12],
  ] as const) {
    const p = generatePrefecture(seed, size);
    const { dir, paths } = written(p);
    t.same(readdirSync(join(dir, 'rules')).sort(), p.files.map((f) => f.name).sort());
    t.equal(paths.length, p.files.length);
    const r = validateRuleSet([join(dir, 'rules')], { asOf: p.asOf });
    t.same(
      r.problems.filter((x) => x.severity === 'error'),
      [],
      `seed ${seed}: no errors`,
    );
    t.ok(r.model, 'it loads');
    // Warnings are allowed (shadowed rules happen by chance), but none of these kinds.
    const codes = new Set(r.problems.map((x) => x.code));
    for (const code of ['ALLOW-CEILING-PARTIAL', 'EXCEPTION-EXPIRED', 'EXCEPTION-NEEDLESS', 'SEGMENT-UNUSED', 'MFA-MISSING']) t.notOk(codes.has(code as never), `no ${code}`);
    t.equal(r.model!.segments.length - 1, size.segments);
    t.equal(r.model!.flows.length, size.flows);
    t.ok(
      r.model!.segments.some((s) => s.sanitizer?.peer === 'mynumber'),
      'a sanitized import into My Number',
    );
    t.ok(
      r.model!.segments.some((s) => s.sanitizer?.method === 'screen-transfer'),
      'screen transfer',
    );
  }
});

t.test('address text', async (t) => {
  t.equal(formatV4(0x0a000000), '10.0.0.0');
  t.equal(formatV4(0xffffffff), '255.255.255.255');
  t.equal(formatV6(0xfd00n << 112n), 'fd00::');
  t.equal(formatV6(0n), '::');
  t.equal(formatV6((0xfd00n << 112n) | 1n), 'fd00::1');
  // A single zero group is not compressed (RFC 5952 4.2.2); the longest run is.
  t.equal(formatV6(BigInt('0x00010000000200030000000000000004')), '1:0:2:3::4');
  t.equal(formatV6(BigInt('0x00010002000300040005000600070008')), '1:2:3:4:5:6:7:8');
});
