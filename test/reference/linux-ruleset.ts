/**
 * Random Linux firewall rule sets for the parser property tests and the kernel tests: an abstract
 * rule set, its own semantics evaluated directly (a kernel-style loop with an explicit jump
 * stack, written apart from the parsers and from test/reference/device.ts), and renderers to
 * iptables-save text (which iptables-restore also reads) and to nft JSON (which `nft -j -f`
 * reads and `nft -j list ruleset` prints).
 *
 * Addresses come from two pools of 16 hosts, A (sources, 198.18.16.0/28, 2001:db8:1a::/124) and
 * B (destinations, 198.18.32.0/28, 2001:db8:1b::/124); rules name prefixes and ranges of either
 * pool, so every edge of every match falls among the flows. Flows enter by lan0, leave by wan0.
 */
import fc from '../property/fc.js';

export type Fam = 4 | 6;
export type Pool = 'a' | 'b';

export const POOL_BASE4: Record<Pool, number> = { a: (198 << 24) + (18 << 16) + (16 << 8), b: (198 << 24) + (18 << 16) + (32 << 8) };
export const POOL_BASE6: Record<Pool, bigint> = { a: 0x20010db8001a0000n << 64n, b: 0x20010db8001b0000n << 64n };
/** Host indices flows use (1 … 8 of the 16 of each pool). */
export const HOSTS = [1, 2, 3, 4, 5, 6, 7, 8];
export const IN_IF = 'lan0';
export const OUT_IF = 'wan0';

export function hostText(fam: Fam, pool: Pool, i: number): string {
  if (fam === 4) {
    const n = POOL_BASE4[pool] + i;
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  }
  return `2001:db8:1${pool}::${i.toString(16)}`;
}

/** A prefix (hostBits 0–4 within the pool) or a range of host indices. */
export type AddrSpec = { pool: Pool; kind: 'prefix'; base: number; hostBits: number } | { pool: Pool; kind: 'range'; lo: number; hi: number };

export interface AddrMatch {
  neg: boolean;
  /** nft in an inet table: which family's header (ip saddr or ip6 saddr); else the table's. */
  fam: Fam;
  specs: AddrSpec[];
  /** nft: a named set rather than an anonymous one. */
  named: boolean;
}

export interface AbsRule {
  src: AddrMatch | null;
  dst: AddrMatch | null;
  proto: { neg: boolean; protos: number[] } | null;
  dport: { neg: boolean; proto: 6 | 17; ranges: [number, number][]; th: boolean } | null;
  /**
   * iptables: ! --ctstate holds when the state is none of the list. nft writes a negated state
   * two ways: as a set, `ct state != { a, b }` (none of them), or as a flag list,
   * `ct state != a,b`, which compares the masked bits with the whole mask and so holds unless
   * the list is exactly the packet's one state (the kernel tests found this).
   */
  ct: { neg: boolean; states: string[]; module: 'state' | 'conntrack'; nftSet: boolean } | null;
  iif: { neg: boolean; name: string } | null;
  oif: { neg: boolean; name: string } | null;
  /** nft inet tables: meta nfproto. */
  nfproto: Fam | null;
  /** nft: a verdict map closing the rule instead of `target`. */
  vmap: { key: 'src' | 'dst' | 'dport'; fam: Fam; proto: 6 | 17; elems: { spec: AddrSpec | [number, number]; target: AbsTarget }[] } | null;
  target: AbsTarget;
  comment: string | null;
}

export type AbsTarget = { kind: 'accept' | 'drop' | 'reject' | 'return' | 'log' } | { kind: 'jump' | 'goto'; chain: number };

export interface AbsTable {
  /** nft: ip, ip6, inet; iptables: ip (IPv4 block) or ip6. */
  family: 'ip' | 'ip6' | 'inet';
  name: string;
  /** Base chains: index into chains, priority, policy. chains[k] for k in bases are base chains. */
  bases: { chain: number; prio: number; policy: 'accept' | 'drop' }[];
  chains: AbsRule[][];
}

export interface AbsRuleSet {
  flavor: 'iptables' | 'nft';
  tables: AbsTable[];
}

export interface AbsFlow {
  fam: Fam;
  src: number;
  dst: number;
  proto: number;
  port: number;
}

/** Services every flow set covers: ports on both sides of the generator's edges. */
export const SERVICES: { proto: number; port: number }[] = [
  { proto: 6, port: 22 },
  { proto: 6, port: 80 },
  { proto: 6, port: 443 },
  { proto: 6, port: 1000 },
  { proto: 6, port: 1001 },
  { proto: 6, port: 8080 },
  { proto: 17, port: 53 },
  { proto: 17, port: 1000 },
  { proto: 17, port: 5353 },
  { proto: 0, port: 0 }, // icmp or icmpv6, per family
  { proto: 47, port: 0 },
];

export function allFlows(families: Fam[] = [4, 6]): AbsFlow[] {
  const out: AbsFlow[] = [];
  for (const fam of families)
    for (const src of HOSTS) for (const dst of HOSTS) for (const s of SERVICES) out.push({ fam, src, dst, proto: s.proto === 0 ? (fam === 4 ? 1 : 58) : s.proto, port: s.port });
  return out;
}

// — semantics —

function specHas(s: AddrSpec, pool: Pool, i: number): boolean {
  if (s.pool !== pool) return false;
  if (s.kind === 'range') return i >= s.lo && i <= s.hi;
  const size = 1 << s.hostBits;
  return Math.floor(i / size) === Math.floor(s.base / size);
}

function addrHolds(m: AddrMatch, f: AbsFlow, pool: Pool, i: number): boolean {
  if (m.fam !== f.fam) return false; // the header is not there: no match, negated or not
  return m.specs.some((s) => specHas(s, pool, i)) !== m.neg;
}

export function ifaceMatches(pattern: string, name: string): boolean {
  return pattern.endsWith('+') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

function ruleHolds(r: AbsRule, f: AbsFlow, flavor: 'iptables' | 'nft'): boolean {
  if (r.src && !addrHolds(r.src, f, 'a', f.src)) return false;
  if (r.dst && !addrHolds(r.dst, f, 'b', f.dst)) return false;
  if (r.proto && r.proto.protos.includes(f.proto) === r.proto.neg) return false;
  if (r.dport) {
    if (f.proto !== r.dport.proto) return false;
    if (r.dport.ranges.some(([lo, hi]) => f.port >= lo && f.port <= hi) === r.dport.neg) return false;
  }
  if (r.ct) {
    const flagList = flavor === 'nft' && r.ct.neg && !r.ct.nftSet;
    const holds = flagList ? !(new Set(r.ct.states).size === 1 && r.ct.states[0] === 'NEW') : r.ct.states.includes('NEW') !== r.ct.neg;
    if (!holds) return false;
  }
  if (r.iif && ifaceMatches(r.iif.name, IN_IF) === r.iif.neg) return false;
  if (r.oif && ifaceMatches(r.oif.name, OUT_IF) === r.oif.neg) return false;
  if (r.nfproto && r.nfproto !== f.fam) return false;
  return true;
}

function vmapTarget(r: AbsRule, f: AbsFlow): AbsTarget | null {
  const v = r.vmap!;
  for (const e of v.elems) {
    if (v.key === 'dport') {
      const [lo, hi] = e.spec as [number, number];
      if (f.proto === v.proto && f.port >= lo && f.port <= hi) return e.target;
    } else if (v.fam === f.fam && specHas(e.spec as AddrSpec, v.key === 'src' ? 'a' : 'b', v.key === 'src' ? f.src : f.dst)) return e.target;
  }
  return null;
}

/** One base chain, kernel-style: an explicit stack of return points. */
function runBase(t: AbsTable, base: number, policy: 'accept' | 'drop', f: AbsFlow, flavor: 'iptables' | 'nft'): 'accept' | 'drop' {
  const stack: [number, number][] = [];
  let chain = base;
  let i = 0;
  for (let steps = 0; steps < 100000; steps++) {
    const rules = t.chains[chain]!;
    if (i >= rules.length) {
      const back = stack.pop();
      if (!back) return policy;
      [chain, i] = back;
      continue;
    }
    const r = rules[i]!;
    i++;
    if (!ruleHolds(r, f, flavor)) continue;
    const target = r.vmap ? vmapTarget(r, f) : r.target;
    if (!target) continue;
    switch (target.kind) {
      case 'accept':
        return 'accept';
      case 'drop':
      case 'reject':
        return 'drop';
      case 'log':
        continue;
      case 'return': {
        const back = stack.pop();
        if (!back) return policy;
        [chain, i] = back;
        continue;
      }
      case 'jump':
        stack.push([chain, i]);
        chain = target.chain;
        i = 0;
        continue;
      case 'goto':
        chain = target.chain;
        i = 0;
        continue;
    }
  }
  throw new Error('runaway rule set');
}

/** What the rule set does with a new connection. */
export function directVerdict(rs: AbsRuleSet, f: AbsFlow): 'accept' | 'drop' {
  const bases: { t: AbsTable; chain: number; prio: number; policy: 'accept' | 'drop' }[] = [];
  for (const t of rs.tables) {
    if ((t.family === 'ip' && f.fam !== 4) || (t.family === 'ip6' && f.fam !== 6)) continue;
    for (const b of t.bases) bases.push({ t, ...b });
  }
  bases.sort((x, y) => x.prio - y.prio);
  for (const b of bases) if (runBase(b.t, b.chain, b.policy, f, rs.flavor) === 'drop') return 'drop';
  return 'accept';
}

// — generation —

const PORTS = [21, 22, 23, 53, 79, 80, 81, 443, 999, 1000, 1001, 1002, 5353, 8080];
const IFACES = ['lan0', 'lan+', 'wan0', 'wan+', 'eth0', 'l+'];
const STATES = ['NEW', 'ESTABLISHED', 'RELATED', 'INVALID'];
const PROTOS4 = [6, 17, 1, 47];
const PROTOS6 = [6, 17, 58, 47];

/** Address specs mostly of the pool the match reads (sources from A, destinations from B). */
function specArb(home: Pool): fc.Arbitrary<AddrSpec> {
  const other: Pool = home === 'a' ? 'b' : 'a';
  const pool = fc.constantFrom<Pool>(home, home, home, other);
  return fc.oneof(
    fc.record({ pool, kind: fc.constant('prefix' as const), base: fc.integer({ min: 0, max: 15 }), hostBits: fc.integer({ min: 0, max: 4 }) }),
    fc
      .record({ pool, x: fc.integer({ min: 0, max: 15 }), y: fc.integer({ min: 0, max: 15 }) })
      .map(({ pool: p, x, y }) => ({ pool: p, kind: 'range' as const, lo: Math.min(x, y), hi: Math.max(x, y) })),
  );
}

/** The arbitrary's value in about `percent` of draws, null in the others. */
function maybe<T>(arb: fc.Arbitrary<T>, percent: number): fc.Arbitrary<T | null> {
  return fc.oneof({ arbitrary: fc.constant(null), weight: 100 - percent }, { arbitrary: arb, weight: percent });
}

function portRangeArb(): fc.Arbitrary<[number, number]> {
  return fc.tuple(fc.constantFrom(...PORTS), fc.constantFrom(0, 0, 0, 1, 2, 100)).map(([p, w]) => [p, Math.min(65535, p + w)] as [number, number]);
}

/** Sorted, disjoint port ranges (nft sets refuse overlaps; iptables does not mind). */
function disjoint(ranges: [number, number][]): [number, number][] {
  const s = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const r of s) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

/** Address specs merged where they overlap, as nft interval sets require. */
function disjointSpecs(specs: AddrSpec[]): AddrSpec[] {
  const byPool = new Map<Pool, [number, number][]>();
  for (const s of specs) {
    const r: [number, number] =
      s.kind === 'range'
        ? [s.lo, s.hi]
        : [Math.floor(s.base / (1 << s.hostBits)) * (1 << s.hostBits), Math.floor(s.base / (1 << s.hostBits)) * (1 << s.hostBits) + (1 << s.hostBits) - 1];
    byPool.set(s.pool, [...(byPool.get(s.pool) ?? []), r]);
  }
  const out: AddrSpec[] = [];
  for (const [pool, rs] of byPool) for (const [lo, hi] of disjoint(rs)) out.push({ pool, kind: 'range', lo, hi });
  return out;
}

function ruleArb(flavor: 'iptables' | 'nft', tableFam: 'ip' | 'ip6' | 'inet', chainIndex: number, nChains: number): fc.Arbitrary<AbsRule> {
  const famArb: fc.Arbitrary<Fam> = tableFam === 'ip' ? fc.constant(4) : tableFam === 'ip6' ? fc.constant(6) : fc.constantFrom<Fam>(4, 6);
  const targets: fc.Arbitrary<AbsTarget>[] = [fc.constantFrom<AbsTarget>({ kind: 'accept' }, { kind: 'drop' }, { kind: 'reject' }, { kind: 'return' }, { kind: 'log' })];
  if (chainIndex + 1 < nChains) {
    targets.push(fc.record({ kind: fc.constantFrom<'jump' | 'goto'>('jump', 'goto'), chain: fc.integer({ min: chainIndex + 1, max: nChains - 1 }) }));
  }
  const targetArb = fc.oneof(...targets);
  const nft = flavor === 'nft';
  const addrArb = (home: Pool) =>
    maybe(
      fc.record({
        neg: fc.boolean(),
        fam: famArb,
        specs: nft ? fc.array(specArb(home), { minLength: 1, maxLength: 3 }) : specArb(home).map((s) => [s]),
        named: nft ? fc.boolean() : fc.constant(false),
      }),
      40,
    );
  const protosFor = tableFam === 'ip6' ? PROTOS6 : tableFam === 'ip' ? PROTOS4 : [...PROTOS4, 58];
  return fc
    .record({
      src: addrArb('a'),
      dst: addrArb('b'),
      protoPick: maybe(
        fc.record({
          neg: fc.boolean(),
          protos: nft ? fc.uniqueArray(fc.constantFrom(...protosFor), { minLength: 1, maxLength: 2 }) : fc.constantFrom(...protosFor).map((p) => [p]),
        }),
        30,
      ),
      dportPick: maybe(
        fc.record({ neg: fc.boolean(), proto: fc.constantFrom<6 | 17>(6, 17), ranges: fc.array(portRangeArb(), { minLength: 1, maxLength: 3 }), th: fc.boolean() }),
        35,
      ),
      ct: maybe(
        fc.record({ neg: fc.boolean(), states: fc.subarray(STATES, { minLength: 1 }), module: fc.constantFrom<'state' | 'conntrack'>('state', 'conntrack'), nftSet: fc.boolean() }),
        20,
      ),
      iif: maybe(fc.record({ neg: fc.boolean(), name: fc.constantFrom(...IFACES) }), 15),
      oif: maybe(fc.record({ neg: fc.boolean(), name: fc.constantFrom(...IFACES) }), 15),
      nfproto: nft && tableFam === 'inet' ? maybe(famArb, 15) : fc.constant(null),
      vmapPick: nft
        ? maybe(
            fc.record({
              key: fc.constantFrom<'src' | 'dst' | 'dport'>('src', 'dst', 'dport'),
              fam: famArb,
              proto: fc.constantFrom<6 | 17>(6, 17),
              specs: fc.array(specArb('a'), { minLength: 1, maxLength: 3 }),
              ports: fc.array(portRangeArb(), { minLength: 1, maxLength: 3 }),
              targets: fc.array(targetArb, { minLength: 3, maxLength: 3 }),
            }),
            15,
          )
        : fc.constant(null),
      target: targetArb,
      comment: maybe(fc.constantFrom('web', 'two words', 'a "quoted" one'), 20),
    })
    .map((g) => {
      let proto = g.protoPick;
      let dport: AbsRule['dport'] = g.dportPick ? { ...g.dportPick, ranges: disjoint(g.dportPick.ranges) } : null;
      if (dport && (!nft || proto || dport.th)) {
        // iptables reads a port only with -p naming its protocol; nft refuses a protocol match
        // that conflicts with the port's (and th dport needs one).
        proto = { neg: false, protos: [dport.proto] };
        if (!nft) dport = { ...dport, th: false };
      }
      // nft refuses ip and ip6 matches in one rule: one family per rule.
      const rf: Fam | null = g.src?.fam ?? g.dst?.fam ?? g.vmapPick?.fam ?? g.nfproto;
      const src = g.src && nft ? { ...g.src, fam: rf!, specs: disjointSpecs(g.src.specs) } : g.src;
      const dst = g.dst && nft ? { ...g.dst, fam: rf!, specs: disjointSpecs(g.dst.specs) } : g.dst;
      const nfproto = g.nfproto === null ? null : rf;
      if (g.vmapPick && rf !== null) g.vmapPick.fam = rf;
      let vmap: AbsRule['vmap'] = null;
      if (g.vmapPick) {
        const v = g.vmapPick;
        const keys: (AddrSpec | [number, number])[] = v.key === 'dport' ? disjoint(v.ports) : disjointSpecs(v.specs.map((s) => ({ ...s, pool: v.key === 'src' ? 'a' : 'b' })));
        vmap = { key: v.key, fam: v.fam, proto: v.proto, elems: keys.map((spec, k) => ({ spec, target: v.targets[k % v.targets.length]! })) };
        if (v.key === 'dport') {
          // nft refuses a rule whose protocol matches conflict with the map's tcp/udp dport.
          if (proto) proto = { neg: false, protos: [v.proto] };
          if (dport) dport = { ...dport, proto: v.proto };
        }
      }
      return { src, dst, proto, dport, ct: g.ct, iif: g.iif, oif: g.oif, nfproto, vmap, target: g.target, comment: g.comment };
    });
}

function tableArb(flavor: 'iptables' | 'nft', family: 'ip' | 'ip6' | 'inet', name: string): fc.Arbitrary<AbsTable> {
  return fc
    .record({ nChains: fc.integer({ min: 1, max: 4 }), nBases: flavor === 'nft' ? fc.integer({ min: 1, max: 2 }) : fc.constant(1) })
    .chain(({ nChains, nBases }) => {
      const total = nChains + nBases - 1;
      // Chains 0 … nBases−1 are base chains; user chains follow. Jumps go to higher indices only
      // (no loops), never to a base chain.
      const chainArbs = Array.from({ length: total }, (_, k) =>
        fc.array(ruleArb(flavor, family, Math.max(k, nBases - 1), total), { minLength: k < nBases ? 2 : 0, maxLength: k < nBases ? 8 : 4 }),
      );
      return fc.record({
        chains: fc.tuple(...chainArbs),
        bases: fc.tuple(
          ...Array.from({ length: nBases }, (_, k) =>
            fc.record({ chain: fc.constant(k), prio: fc.constantFrom(-10, 0, 0, 5), policy: fc.constantFrom<'accept' | 'drop'>('accept', 'drop', 'drop') }),
          ),
        ),
      });
    })
    .map(({ chains, bases }) => ({ family, name, chains: chains.map((c) => [...c]), bases: [...bases] }));
}

export function ruleSetArb(flavor: 'iptables' | 'nft'): fc.Arbitrary<AbsRuleSet> {
  if (flavor === 'iptables') {
    return fc.record({ v4: tableArb('iptables', 'ip', 'filter'), v6: tableArb('iptables', 'ip6', 'filter') }).map(({ v4, v6 }) => ({ flavor, tables: [v4, v6] }));
  }
  return fc
    .uniqueArray(fc.constantFrom<'ip' | 'ip6' | 'inet'>('ip', 'ip6', 'inet', 'inet'), { minLength: 1, maxLength: 3 })
    .chain((fams) => fc.tuple(...fams.map((f, k) => tableArb('nft', f, `t${k}`))))
    .map((tables) => ({ flavor, tables: [...tables] }));
}

// — rendering —

function specText(fam: Fam, s: AddrSpec): string {
  if (s.kind === 'range') return `${hostText(fam, s.pool, s.lo)}-${hostText(fam, s.pool, s.hi)}`;
  const size = 1 << s.hostBits;
  const base = Math.floor(s.base / size) * size;
  // The host bits the prefix covers are set in the written address: iptables and nft both mask.
  return `${hostText(fam, s.pool, base)}/${(fam === 4 ? 32 : 128) - s.hostBits}`;
}

const chainName = (t: AbsTable, k: number): string => (k === 0 && t.bases.length === 1 && t.bases[0]!.chain === 0 ? 'FORWARD' : `c${k}`);

function iptTarget(t: AbsTable, target: AbsTarget): string {
  switch (target.kind) {
    case 'accept':
      return '-j ACCEPT';
    case 'drop':
      return '-j DROP';
    case 'reject':
      return '-j REJECT';
    case 'return':
      return '-j RETURN';
    case 'log':
      return '-j LOG --log-prefix "sanso "';
    case 'jump':
      return `-j ${chainName(t, target.chain)}`;
    case 'goto':
      return `-g ${chainName(t, target.chain)}`;
  }
}

const PROTO_NAMES: Record<number, string> = { 6: 'tcp', 17: 'udp', 1: 'icmp', 58: 'ipv6-icmp', 47: 'gre' };

function iptRule(t: AbsTable, fam: Fam, chain: string, r: AbsRule): string {
  const p: string[] = [`-A ${chain}`];
  const neg = (b: boolean): string => (b ? '! ' : '');
  for (const [m, opt, range] of [
    [r.src, '-s', '--src-range'],
    [r.dst, '-d', '--dst-range'],
  ] as const) {
    if (!m) continue;
    const s = m.specs[0]!;
    if (s.kind === 'prefix') p.push(`${neg(m.neg)}${opt} ${specText(fam, s)}`);
    else p.push(`-m iprange ${neg(m.neg)}${range} ${specText(fam, s)}`);
  }
  if (r.iif) p.push(`${neg(r.iif.neg)}-i ${r.iif.name}`);
  if (r.oif) p.push(`${neg(r.oif.neg)}-o ${r.oif.name}`);
  if (r.proto) p.push(`${neg(r.proto.neg)}-p ${PROTO_NAMES[r.proto.protos[0]!]}`);
  if (r.dport) {
    const name = r.dport.proto === 6 ? 'tcp' : 'udp';
    const ports = r.dport.ranges.map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}:${hi}`));
    if (ports.length === 1) p.push(`-m ${name} ${neg(r.dport.neg)}--dport ${ports[0]}`);
    else p.push(`-m multiport ${neg(r.dport.neg)}--dports ${ports.join(',')}`);
  }
  if (r.ct) p.push(r.ct.module === 'state' ? `-m state ${neg(r.ct.neg)}--state ${r.ct.states.join(',')}` : `-m conntrack ${neg(r.ct.neg)}--ctstate ${r.ct.states.join(',')}`);
  if (r.comment) p.push(`-m comment --comment "${r.comment.replace(/"/g, '\\"')}"`);
  p.push(iptTarget(t, r.target));
  return p.join(' ');
}

/** iptables-save text of both families (one `*filter` block each, with its `# Generated by`). */
export function renderIptables(rs: AbsRuleSet): { v4: string; v6: string } {
  const out = { v4: '', v6: '' };
  for (const t of rs.tables) {
    const fam: Fam = t.family === 'ip6' ? 6 : 4;
    const lines = [
      `# Generated by ${fam === 4 ? 'iptables' : 'ip6tables'}-save v1.8.9 (nf_tables)`,
      '*filter',
      ':INPUT ACCEPT [0:0]',
      `:FORWARD ${t.bases[0]!.policy.toUpperCase()} [0:0]`,
      ':OUTPUT ACCEPT [0:0]',
    ];
    for (let k = 1; k < t.chains.length; k++) lines.push(`:${chainName(t, k)} - [0:0]`);
    t.chains.forEach((rules, k) => {
      for (const r of rules) lines.push(iptRule(t, fam, chainName(t, k), r));
    });
    lines.push('COMMIT', '');
    out[fam === 4 ? 'v4' : 'v6'] = lines.join('\n');
  }
  return out;
}

type J = Record<string, unknown>;

function nftAddr(fam: Fam, s: AddrSpec): unknown {
  const text = specText(fam, s);
  if (s.kind === 'range') return { range: text.split('-') };
  const [addr, len] = text.split('/');
  return Number(len) === (fam === 4 ? 32 : 128) ? addr : { prefix: { addr, len: Number(len) } };
}

function nftPort([lo, hi]: [number, number]): unknown {
  return lo === hi ? lo : { range: [lo, hi] };
}

function nftVerdict(target: AbsTarget): J[] {
  switch (target.kind) {
    case 'accept':
      return [{ accept: null }];
    case 'drop':
      return [{ drop: null }];
    case 'reject':
      return [{ reject: null }];
    case 'return':
      return [{ return: null }];
    case 'log':
      return [{ log: null }];
    case 'jump':
      return [{ jump: { target: `c${target.chain}` } }];
    case 'goto':
      return [{ goto: { target: `c${target.chain}` } }];
  }
}

const one = (xs: unknown[]): unknown => (xs.length === 1 ? xs[0] : { set: xs });

/** `nft -j` JSON of the rule set (what `nft -j -f` loads and `nft -j list ruleset` prints). */
export function renderNftJson(rs: AbsRuleSet): string {
  const items: J[] = [];
  for (const t of rs.tables) {
    items.push({ table: { family: t.family, name: t.name } });
    const sets: J[] = [];
    const chains: J[] = [];
    const rules: J[] = [];
    const baseOf = new Map(t.bases.map((b) => [b.chain, b]));
    t.chains.forEach((rs2, k) => {
      const b = baseOf.get(k);
      chains.push({ chain: { family: t.family, table: t.name, name: `c${k}`, ...(b ? { type: 'filter', hook: 'forward', prio: b.prio, policy: b.policy } : {}) } });
      rs2.forEach((r, n) => {
        const expr: J[] = [];
        for (const [m, field] of [
          [r.src, 'saddr'],
          [r.dst, 'daddr'],
        ] as const) {
          if (!m) continue;
          let right: unknown = one(m.specs.map((s) => nftAddr(m.fam, s)));
          if (m.named) {
            const name = `s${k}_${n}_${field}`;
            sets.push({
              set: { family: t.family, table: t.name, name, type: m.fam === 4 ? 'ipv4_addr' : 'ipv6_addr', flags: ['interval'], elem: m.specs.map((s) => nftAddr(m.fam, s)) },
            });
            right = `@${name}`;
          }
          expr.push({ match: { op: m.neg ? '!=' : '==', left: { payload: { protocol: m.fam === 4 ? 'ip' : 'ip6', field } }, right } });
        }
        if (r.nfproto) expr.push({ match: { op: '==', left: { meta: { key: 'nfproto' } }, right: r.nfproto === 4 ? 'ipv4' : 'ipv6' } });
        if (r.iif) expr.push({ match: { op: r.iif.neg ? '!=' : '==', left: { meta: { key: 'iifname' } }, right: r.iif.name.replace(/\+$/, '*') } });
        if (r.oif) expr.push({ match: { op: r.oif.neg ? '!=' : '==', left: { meta: { key: 'oifname' } }, right: r.oif.name.replace(/\+$/, '*') } });
        if (r.proto) expr.push({ match: { op: r.proto.neg ? '!=' : '==', left: { meta: { key: 'l4proto' } }, right: one(r.proto.protos) } });
        if (r.dport) {
          expr.push({
            match: {
              op: r.dport.neg ? '!=' : '==',
              left: { payload: { protocol: r.dport.th ? 'th' : r.dport.proto === 6 ? 'tcp' : 'udp', field: 'dport' } },
              right: one(r.dport.ranges.map(nftPort)),
            },
          });
        }
        if (r.ct)
          expr.push({
            match: {
              op: r.ct.neg ? '!=' : 'in',
              left: { ct: { key: 'state' } },
              right: r.ct.nftSet ? { set: r.ct.states.map((s) => s.toLowerCase()) } : r.ct.states.map((s) => s.toLowerCase()),
            },
          });
        expr.push({ counter: { packets: 0, bytes: 0 } });
        if (r.vmap) {
          const v = r.vmap;
          const key =
            v.key === 'dport'
              ? { payload: { protocol: v.proto === 6 ? 'tcp' : 'udp', field: 'dport' } }
              : { payload: { protocol: v.fam === 4 ? 'ip' : 'ip6', field: v.key === 'src' ? 'saddr' : 'daddr' } };
          const data = v.elems.map((e) => [v.key === 'dport' ? nftPort(e.spec as [number, number]) : nftAddr(v.fam, e.spec as AddrSpec), nftVerdict(e.target)[0]]);
          expr.push({ vmap: { key, data: { set: data } } });
        } else expr.push(...nftVerdict(r.target));
        rules.push({ rule: { family: t.family, table: t.name, chain: `c${k}`, ...(r.comment ? { comment: r.comment } : {}), expr } });
      });
    });
    items.push(...sets, ...chains, ...rules);
  }
  return JSON.stringify({ nftables: items });
}

/** A verdict map holds verdicts only (no log, no reject): such elements become accept and drop. */
export function normalise(rs: AbsRuleSet): AbsRuleSet {
  for (const t of rs.tables)
    for (const c of t.chains)
      for (const r of c)
        if (r.vmap)
          for (const e of r.vmap.elems) {
            if (e.target.kind === 'log') e.target = { kind: 'accept' };
            if (e.target.kind === 'reject') e.target = { kind: 'drop' };
          }
  return rs;
}
