/**
 * fast-check arbitraries for random VALID rule sets (raw data, as YAML would parse) and for flows
 * biased to the edges where a decision table goes wrong: the first and last address of every
 * CIDR and one either side, addresses no CIDR claims, ::ffff:-mapped IPv4, every port range edge
 * and one either side, port-less protocols.
 *
 * Everything is drawn as a "genome" of small choices and indices that a pure function turns into a
 * rule set: indices are taken modulo what exists, so every genome is valid by construction and
 * shrinking (fewer segments, fewer rules, smaller numbers) keeps it valid. Because a pick shifts
 * when a segment goes, genome shrinking stalls with bystanders left in; the property tests cut a
 * failure down further on the raw data (test/property/minimize.ts).
 */
import fc from '../property/fc.js';
import { parseCidr } from '../../src/model/cidr.js';
import { parseServiceRange } from '../../src/model/services.js';
import { ReferenceEvaluator, type RawException, type RawFlow, type RawPolicy, type RawRuleSet, type RawSanitizer, type RawSegment } from './evaluator.js';

/** The day every generated rule set is judged on; exceptions expire around it. */
export const AS_OF = '2026-06-15';

export interface FlowText {
  src: string;
  dst: string;
  service: string;
}

export interface RuleFile {
  /** File name; files are merged in byte order of names. */
  name: string;
  data: Record<string, unknown>;
}

export interface Scenario {
  /** The merged rule set, what the reference evaluator reads. */
  rules: RawRuleSet;
  /** The same rule set split across files, what the real pipeline reads. */
  files: RuleFile[];
  asOf: string;
  flows: FlowText[];
}

// — addresses —

const V4_BITS = 32;
const V6_BITS = 128;
const V4_MAX = (1n << 32n) - 1n;
const V6_MAX = (1n << 128n) - 1n;

function v4(text: string): bigint {
  return text.split('.').reduce((acc, o) => (acc << 8n) | BigInt(o), 0n);
}

function v6(text: string): bigint {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === null ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/**
 * The IPv4-mapped block ::ffff:0:0/96. A CIDR inside it is an error (its addresses resolve as
 * IPv4), so this anchor is only cut at /95 and shorter: IPv6 networks that hold the block.
 */
const MAPPED_ANCHOR = '::ffff:0:0';

/**
 * Anchors from which CIDRs are cut at many prefix lengths: cuts of one anchor nest, cuts of
 * nearby anchors overlap, and the extremes of the address space make `last + 1` fall off the end.
 */
const V4_ANCHORS = ['10.0.0.0', '10.0.0.255', '10.20.1.5', '10.20.255.255', '10.255.255.255', '172.16.9.10', '192.168.1.128', '0.0.0.0', '255.255.255.255'].map(v4);
const V4_PREFIXES = [8, 12, 16, 20, 23, 24, 25, 28, 30, 31, 32];
const V6_ANCHORS = [
  'fd00::',
  'fd00:20::1:0',
  'fd00:20:0:ff::',
  '2001:db8::',
  '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff',
  '::1',
  'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
  MAPPED_ANCHOR,
].map(v6);
const MAPPED = v6(MAPPED_ANCHOR);
const V6_PREFIXES = [8, 16, 32, 48, 56, 64, 80, 96, 112, 120, 126, 127, 128];

/** Addresses that few generated CIDRs claim (and `outside` then owns). */
const LOOSE_ADDRESSES = [
  '203.0.113.9',
  '8.8.8.8',
  '11.0.0.0',
  '9.255.255.255',
  '0.0.0.0',
  '255.255.255.255',
  '2001:db8:dead::1',
  '2002::',
  '::',
  '::2',
  'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
  'fe80::1',
  // Just below and just above the IPv4-mapped block.
  '::fffe:ffff:ffff',
  '::1:0:0:0',
];

function mask(family: 4 | 6, value: bigint, prefix: number): bigint {
  const bits = BigInt((family === 4 ? V4_BITS : V6_BITS) - prefix);
  return (value >> bits) << bits;
}

function lastOf(family: 4 | 6, first: bigint, prefix: number): bigint {
  return first | ((1n << BigInt((family === 4 ? V4_BITS : V6_BITS) - prefix)) - 1n);
}

export function formatV4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join('.');
}

function groupsOf(value: bigint): string[] {
  const out: string[] = [];
  for (let i = 7; i >= 0; i--) out.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16));
  return out;
}

/** Full eight-group form, no compression: `fd00:20:0:0:0:0:0:1`. */
export function formatV6Full(value: bigint): string {
  return groupsOf(value).join(':');
}

/** Compressed form: the longest run (≥ 2) of zero groups becomes `::`. */
export function formatV6(value: bigint): string {
  const g = groupsOf(value);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return g.join(':');
  return `${g.slice(0, best).join(':')}::${g.slice(best + bestLen).join(':')}`;
}

interface CidrGene {
  v6: boolean;
  anchor: number;
  prefix: number;
}

const cidrGene: fc.Arbitrary<CidrGene> = fc.record({
  v6: fc.boolean(),
  anchor: fc.nat(),
  // Prefix 0 (the whole family) is rare: it leaves `outside` nothing in that family.
  prefix: fc.oneof({ arbitrary: fc.constant(-1), weight: 1 }, { arbitrary: fc.nat(), weight: 40 }),
});

interface GenCidr {
  family: 4 | 6;
  prefix: number;
  first: bigint;
  last: bigint;
  text: string;
}

function cidrOf(g: CidrGene, fullForm: boolean): GenCidr {
  const family: 4 | 6 = g.v6 ? 6 : 4;
  const anchors = family === 4 ? V4_ANCHORS : V6_ANCHORS;
  const prefixes = family === 4 ? V4_PREFIXES : V6_PREFIXES;
  const anchor = anchors[g.anchor % anchors.length]!;
  let prefix = g.prefix < 0 ? 0 : prefixes[g.prefix % prefixes.length]!;
  if (family === 6 && anchor === MAPPED && prefix > 95) prefix = 95;
  const first = mask(family, anchor, prefix);
  const addr = family === 4 ? formatV4(first) : fullForm ? formatV6Full(first) : formatV6(first);
  return { family, prefix, first, last: lastOf(family, first, prefix), text: `${addr}/${prefix}` };
}

// — services —

const PIVOTS = [1, 22, 53, 443, 8080, 65535];
const PORTLESS = ['icmp', 'icmpv6', 'proto/1', 'proto/47', 'proto/58', 'proto/0', 'proto/255'];
const WHOLE = ['tcp', 'udp', 'proto/6', 'proto/17'];

type LiteralGene = { kind: 'ports'; udp: boolean; pivot: number; off: number; len: number; selfRange: boolean } | { kind: 'fixed'; text: string };

const literalGene: fc.Arbitrary<LiteralGene> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('ports' as const),
      udp: fc.boolean(),
      pivot: fc.constantFrom(...PIVOTS),
      off: fc.integer({ min: -2, max: 2 }),
      len: fc.integer({ min: 0, max: 3 }),
      selfRange: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('fixed' as const), text: fc.constantFrom(...PORTLESS) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fixed' as const), text: fc.constantFrom(...WHOLE, 'any') }) },
);

function literalOf(g: LiteralGene): string {
  if (g.kind === 'fixed') return g.text;
  const clamp = (n: number) => Math.min(65535, Math.max(1, n));
  const lo = clamp(g.pivot + g.off);
  const hi = clamp(lo + g.len);
  const proto = g.udp ? 'udp' : 'tcp';
  if (lo === hi) return g.selfRange ? `${proto}/${lo}-${lo}` : `${proto}/${lo}`;
  return `${proto}/${lo}-${hi}`;
}

interface ServiceRefGene {
  named: boolean;
  pick: number;
  literal: LiteralGene;
}

const serviceRefGene: fc.Arbitrary<ServiceRefGene> = fc.record({
  named: fc.boolean(),
  pick: fc.nat(),
  literal: literalGene,
});

// — selectors —

type SelectorGene = { kind: 'segment' | 'group'; pick: number } | { kind: 'tier'; tier: 'mynumber' | 'lgwan' | 'internet' | 'outside' } | { kind: 'outside' };

const selectorGene: fc.Arbitrary<SelectorGene> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('segment' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('group' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('tier' as const), tier: fc.constantFrom('mynumber' as const, 'lgwan' as const, 'internet' as const, 'outside' as const) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('outside' as const) }) },
);

// — sanitizers: the bridging table (docs/rules.md, "Sanitizers") —

type SiteTier = 'mynumber' | 'lgwan' | 'internet';

const ANY_DIRECTION = ['inbound', 'outbound', 'both'];
/** Every (method, peer, direction) a segment of each tier may carry under α and α′. */
export const BRIDGES: Record<SiteTier, { method: string; peer: SiteTier; direction: string }[]> = {
  internet: [
    ...ANY_DIRECTION.map((direction) => ({ method: 'mail-text', peer: 'lgwan' as const, direction })),
    ...ANY_DIRECTION.map((direction) => ({ method: 'file-sanitize', peer: 'lgwan' as const, direction })),
    { method: 'screen-transfer', peer: 'lgwan', direction: 'inbound' },
  ],
  lgwan: [
    ...ANY_DIRECTION.map((direction) => ({ method: 'mail-text', peer: 'internet' as const, direction })),
    ...ANY_DIRECTION.map((direction) => ({ method: 'file-sanitize', peer: 'internet' as const, direction })),
    { method: 'screen-transfer', peer: 'internet', direction: 'outbound' },
    { method: 'file-sanitize', peer: 'mynumber', direction: 'outbound' },
  ],
  mynumber: [{ method: 'file-sanitize', peer: 'lgwan', direction: 'inbound' }],
};

/**
 * What β and β′ add (docs/models.md): a screen-transfer server in the LGWAN tier that
 * internet-tier terminals connect to (inbound), also as the inbound half of `both`.
 */
export const BETA_BRIDGES: { method: string; peer: SiteTier; direction: string }[] = [
  { method: 'screen-transfer', peer: 'internet', direction: 'inbound' },
  { method: 'screen-transfer', peer: 'internet', direction: 'both' },
];

export const MODELS = ['alpha', 'alpha-prime', 'beta', 'beta-prime'] as const;

/** The (method, peer, direction) a segment's sanitizer gene picks, under the rule set's model. */
function bridgeOf(tier: SiteTier, model: string, pick: number): { method: string; peer: SiteTier; direction: string } {
  // Under β two thirds of LGWAN-tier sanitizers are the β bridge, or random rule sets would
  // seldom have one.
  if (tier === 'lgwan' && (model === 'beta' || model === 'beta-prime') && pick % 3 !== 2) {
    return BETA_BRIDGES[Math.floor(pick / 3) % BETA_BRIDGES.length]!;
  }
  const options = BRIDGES[tier];
  return options[pick % options.length]!;
}

// — the genome —

interface SegmentGene {
  tier: SiteTier;
  role: 'terminal' | 'server' | 'other' | null;
  mfa: boolean | null;
  external: boolean | null;
  cidrs: CidrGene[];
  sanitizer: { pick: number; services: ServiceRefGene[] } | null;
  /** Breakout services; written only on internet-tier segments under α′ (made external). */
  breakout: ServiceRefGene[] | null;
}

const segmentGene: fc.Arbitrary<SegmentGene> = fc.record({
  tier: fc.constantFrom('mynumber' as const, 'lgwan' as const, 'internet' as const),
  role: fc.option(fc.constantFrom('terminal' as const, 'server' as const, 'other' as const), { freq: 3 }),
  mfa: fc.option(fc.boolean(), { freq: 2 }),
  external: fc.option(fc.boolean(), { freq: 4 }),
  cidrs: fc.array(cidrGene, { minLength: 1, maxLength: 3 }),
  sanitizer: fc.option(fc.record({ pick: fc.nat(), services: fc.array(serviceRefGene, { minLength: 1, maxLength: 2 }) }), { freq: 3 }),
  breakout: fc.option(fc.array(serviceRefGene, { minLength: 1, maxLength: 2 }), { freq: 3 }),
});

interface RuleGene {
  /** Aim the rule at what a sanitizer bridges (pick among sanitizers), or not (null). */
  bridge: number | null;
  deny: boolean;
  writeAction: boolean;
  from: SelectorGene[];
  to: SelectorGene[];
  services: ServiceRefGene[];
  ticket: boolean;
}

const selectors = fc.array(selectorGene, { minLength: 1, maxLength: 3 });
const ruleServices = fc.array(serviceRefGene, { minLength: 1, maxLength: 3 });

const ruleGene: fc.Arbitrary<RuleGene> = fc.record({
  bridge: fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat() }),
  deny: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  writeAction: fc.boolean(),
  from: selectors,
  to: selectors,
  services: ruleServices,
  ticket: fc.boolean(),
});

/** Days from AS_OF: long expired, expired yesterday, expiring today (still valid), later. */
const EXPIRY_OFFSETS = [-400, -1, 0, 1, 400];

interface ExceptionGene {
  from: SelectorGene[];
  to: SelectorGene[];
  services: ServiceRefGene[];
  expires: number;
  ticket: boolean;
}

const exceptionGene: fc.Arbitrary<ExceptionGene> = fc.record({
  from: selectors,
  to: selectors,
  services: ruleServices,
  expires: fc.constantFrom(...EXPIRY_OFFSETS),
  ticket: fc.boolean(),
});

interface GroupGene {
  members: SelectorGene[];
}

const groupGene: fc.Arbitrary<GroupGene> = fc.record({ members: selectors });

interface PolicyGene {
  defaults: Partial<Record<SiteTier, 'allow' | 'deny'>>;
  timezone: boolean;
  model: string | null;
}

const policyGene: fc.Arbitrary<PolicyGene> = fc.record({
  defaults: fc.record(
    {
      mynumber: fc.constantFrom('allow' as const, 'deny' as const),
      lgwan: fc.constantFrom('allow' as const, 'deny' as const),
      internet: fc.constantFrom('allow' as const, 'deny' as const),
    },
    { requiredKeys: [] },
  ),
  timezone: fc.boolean(),
  // Every model about equally often (plus the default): the comparison must cover all four.
  model: fc.option(fc.constantFrom(...MODELS), { freq: 8 }),
});

interface SplitGene {
  files: number;
  cuts: number[];
  picks: number[];
}

const splitGene: fc.Arbitrary<SplitGene> = fc.record({
  files: fc.integer({ min: 1, max: 3 }),
  cuts: fc.array(fc.nat(), { minLength: 6, maxLength: 6 }),
  picks: fc.array(fc.nat(), { minLength: 2, maxLength: 2 }),
});

interface Genome {
  policy: PolicyGene | null;
  segments: SegmentGene[];
  services: LiteralGene[][];
  groups: GroupGene[];
  flows: RuleGene[];
  exceptions: ExceptionGene[];
  ipv6FullForm: boolean;
  split: SplitGene;
}

export interface RuleSetOptions {
  maxSegments?: number;
  maxFlows?: number;
  maxExceptions?: number;
  /** Every rule set under this guideline model (policy.model written); default: any, or none. */
  model?: (typeof MODELS)[number];
}

function genomeArb(o: RuleSetOptions): fc.Arbitrary<Genome> {
  return fc.record({
    policy: o.model === undefined ? fc.option(policyGene, { freq: 8 }) : policyGene.map((p) => ({ ...p, model: o.model! })),
    segments: fc.array(segmentGene, { minLength: 1, maxLength: o.maxSegments ?? 12 }),
    services: fc.array(fc.array(literalGene, { minLength: 1, maxLength: 3 }), { maxLength: 3 }),
    groups: fc.array(groupGene, { maxLength: 4 }),
    flows: fc.array(ruleGene, { maxLength: o.maxFlows ?? 10 }),
    exceptions: fc.array(exceptionGene, { maxLength: o.maxExceptions ?? 4 }),
    ipv6FullForm: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    split: splitGene,
  });
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

interface Built {
  rules: RawRuleSet;
  cidrs: GenCidr[];
  files: RuleFile[];
  /** The CIDRs by text, made on first use. */
  byText?: Map<string, GenCidr>;
}

function build(g: Genome): Built {
  const model = g.policy?.model ?? 'alpha';
  // Segments: a CIDR already claimed is dropped (the same network is never declared twice);
  // a segment left with no CIDR is dropped. Indices elsewhere are taken modulo what remains.
  const seen = new Set<string>();
  const cidrs: GenCidr[] = [];
  const kept: { gene: SegmentGene; cidrs: GenCidr[] }[] = [];
  for (const s of g.segments) {
    const mine: GenCidr[] = [];
    for (const cg of s.cidrs) {
      const c = cidrOf(cg, g.ipv6FullForm);
      const key = `${c.family}/${c.first}/${c.prefix}`;
      if (seen.has(key)) continue;
      seen.add(key);
      mine.push(c);
    }
    if (mine.length > 0) {
      kept.push({ gene: s, cidrs: mine });
      cidrs.push(...mine);
    }
  }

  const serviceNames = g.services.map((_, i) => `svc-${i}`);
  const services: Record<string, string[]> = {};
  g.services.forEach((lits, i) => {
    services[serviceNames[i]!] = lits.map(literalOf);
  });
  const serviceRef = (r: ServiceRefGene) => (r.named && serviceNames.length > 0 ? serviceNames[r.pick % serviceNames.length]! : literalOf(r.literal));

  const segments: RawSegment[] = kept.map(({ gene, cidrs: mine }, i) => {
    const seg: RawSegment = { name: `${gene.tier.slice(0, 2)}-${i}`, tier: gene.tier, cidrs: mine.map((c) => c.text) };
    if (gene.role !== null) seg.role = gene.role;
    // mfa is only meaningful (and only written) on My Number segments.
    if (gene.mfa !== null && gene.tier === 'mynumber') seg.mfa = gene.mfa;
    if (gene.external !== null) seg.external = gene.external;
    if (gene.breakout && model === 'alpha-prime' && gene.tier === 'internet') {
      // A breakout destination is an internet-tier external segment (docs/models.md).
      seg.external = true;
      seg.breakout = { services: gene.breakout.map(serviceRef) };
    }
    if (gene.sanitizer) {
      const b = bridgeOf(gene.tier, model, gene.sanitizer.pick);
      const san: RawSanitizer = { method: b.method, peer: b.peer, direction: b.direction, services: gene.sanitizer.services.map(serviceRef) };
      seg.sanitizer = san;
    }
    return seg;
  });

  // Group i may name groups before it only, so nesting is acyclic.
  const groupNames = g.groups.map((_, i) => `grp-${i}`);
  const selectorAmong = (s: SelectorGene, groupCount: number): string => {
    switch (s.kind) {
      case 'segment':
        return segments[s.pick % segments.length]!.name;
      case 'group':
        return groupCount > 0 ? groupNames[s.pick % groupCount]! : segments[s.pick % segments.length]!.name;
      case 'tier':
        return `tier:${s.tier}`;
      case 'outside':
        return 'outside';
    }
  };
  const list = <T>(xs: T[], f: (x: T) => string) => [...new Set(xs.map(f))];
  const groups: Record<string, string[]> = {};
  g.groups.forEach((gg, i) => {
    groups[groupNames[i]!] = list(gg.members, (m) => selectorAmong(m, i));
  });
  const selector = (s: SelectorGene) => selectorAmong(s, groupNames.length);

  const sanitizers = segments.filter((x) => x.sanitizer);
  const breakouts = segments.filter((x) => x.breakout);
  const lgwan = segments.filter((x) => x.tier === 'lgwan');
  const flows: RawFlow[] = g.flows.map((f, i) => {
    const r: RawFlow = { id: `F-${String(i + 1).padStart(3, '0')}`, from: list(f.from, selector), to: list(f.to, selector), services: list(f.services, serviceRef) };
    if (f.bridge !== null && breakouts.length > 0 && (sanitizers.length === 0 || f.bridge % 3 !== 0)) {
      // From the LGWAN tier to a breakout destination, on its services (α′).
      const x = breakouts[f.bridge % breakouts.length]!;
      // Often the whole tier, so that flows aimed at the destination from any LGWAN segment match.
      r.from = [f.from[0]!.kind === 'tier' || f.bridge % 4 < 2 || lgwan.length === 0 ? 'tier:lgwan' : lgwan[f.bridge % lgwan.length]!.name];
      r.to = [x.name];
      r.services = f.ticket ? x.breakout!.services.slice(0, 1) : [...x.breakout!.services];
    } else if (f.bridge !== null && sanitizers.length > 0) {
      // From the peer tier (a selector of the rule's own) to the sanitizer or back, its services.
      // The β bridge (an LGWAN-tier screen-transfer server) is aimed at more often, from the
      // whole internet tier, or random rule sets would seldom grant through it.
      const beta = sanitizers.filter((x) => x.tier === 'lgwan' && x.sanitizer!.method === 'screen-transfer');
      const x = beta.length > 0 && f.bridge % 2 === 0 ? beta[(f.bridge >> 1) % beta.length]! : sanitizers[f.bridge % sanitizers.length]!;
      const peers = segments.filter((p) => p.tier === x.sanitizer!.peer);
      const wide = f.bridge % 3 === 0 || (x.tier === 'lgwan' && x.sanitizer!.method === 'screen-transfer' && f.bridge % 3 !== 2);
      const peer = f.from[0]!.kind === 'tier' || wide || peers.length === 0 ? `tier:${x.sanitizer!.peer}` : peers[f.bridge % peers.length]!.name;
      const outbound = x.sanitizer!.direction === 'outbound' || (x.sanitizer!.direction === 'both' && f.writeAction);
      r.from = outbound ? [x.name] : [peer];
      r.to = outbound ? [peer] : [x.name];
      r.services = f.ticket ? x.sanitizer!.services.slice(0, 1) : [...x.sanitizer!.services];
    }
    if (f.deny) r.action = 'deny';
    else if (f.writeAction) r.action = 'allow';
    if (f.ticket) r.ticket = `CR-${i}`;
    return r;
  });

  const exceptions: RawException[] = g.exceptions.map((e, i) => {
    const r: RawException = {
      id: `EX-${String(i + 1).padStart(2, '0')}`,
      from: list(e.from, selector),
      to: list(e.to, selector),
      services: list(e.services, serviceRef),
      reason: 'generated',
      'approved-by': 'CISO',
      expires: addDays(AS_OF, e.expires),
    };
    if (e.ticket) r.ticket = `CR-EX-${i}`;
    return r;
  });

  let policy: RawPolicy | undefined;
  if (g.policy) {
    policy = { name: 'Generated City' };
    if (Object.keys(g.policy.defaults).length > 0) policy.defaults = { ...g.policy.defaults };
    if (g.policy.timezone) policy.timezone = 'Asia/Tokyo';
    if (g.policy.model) policy.model = g.policy.model;
  }

  const rules: RawRuleSet = { segments };
  if (policy) rules.policy = policy;
  if (serviceNames.length > 0) rules.services = services;
  if (groupNames.length > 0) rules.groups = groups;
  if (flows.length > 0) rules.flows = flows;
  if (exceptions.length > 0) rules.exceptions = exceptions;
  return { rules, cidrs, files: split(rules, g.split) };
}

/**
 * Splits a merged rule set across files (docs/rules.md: merged in byte order of names), so that the
 * pipeline's merge is exercised: each list is cut into contiguous chunks in file order; policy,
 * services and groups each go whole into one file.
 */
function split(rules: RawRuleSet, s: SplitGene): RuleFile[] {
  const n = s.files;
  const names = ['10-base.yaml', '20-more.yml', '30-rest.yaml'].slice(0, n);
  const data: Record<string, unknown>[] = names.map(() => ({}));
  const chunk = (key: 'segments' | 'flows' | 'exceptions', cutA: number, cutB: number) => {
    const xs = rules[key] as unknown[] | undefined;
    if (!xs || xs.length === 0) return;
    const cuts = [cutA % (xs.length + 1), cutB % (xs.length + 1)].sort((a, b) => a - b).slice(0, n - 1);
    const bounds = [0, ...cuts, xs.length];
    for (let f = 0; f < n; f++) {
      const part = xs.slice(bounds[f] ?? xs.length, bounds[f + 1] ?? xs.length);
      if (part.length > 0) data[f]![key] = part;
    }
  };
  chunk('segments', s.cuts[0]!, s.cuts[1]!);
  chunk('flows', s.cuts[2]!, s.cuts[3]!);
  chunk('exceptions', s.cuts[4]!, s.cuts[5]!);
  if (rules.policy) data[s.picks[0]! % n]!.policy = rules.policy;
  if (rules.services) data[s.picks[1]! % n]!.services = rules.services;
  if (rules.groups) data[(s.picks[0]! + s.picks[1]!) % n]!.groups = rules.groups;
  // Put each top-level key in a stable order, and leave out files with nothing in them.
  const order = ['policy', 'services', 'groups', 'segments', 'flows', 'exceptions'];
  return names
    .map((name, i) => ({ name, data: Object.fromEntries(order.filter((k) => k in data[i]!).map((k) => [k, data[i]![k]])) }))
    .filter((f) => Object.keys(f.data).length > 0);
}

// — flows —

type AddressForm = 'plain' | 'mapped' | 'mapped-hex' | 'full' | 'upper' | 'compat';

type AddressGene =
  | { kind: 'edge'; pick: number; last: boolean; delta: -1 | 0 | 1; form: AddressForm }
  | { kind: 'inside'; pick: number; offset: bigint; form: AddressForm }
  | { kind: 'loose'; pick: number; form: AddressForm }
  | { kind: 'random'; v6: boolean; value: bigint; form: AddressForm };

const formGene: fc.Arbitrary<AddressForm> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('plain' as const) },
  { weight: 2, arbitrary: fc.constant('mapped' as const) },
  { weight: 1, arbitrary: fc.constant('mapped-hex' as const) },
  { weight: 1, arbitrary: fc.constant('full' as const) },
  { weight: 1, arbitrary: fc.constant('upper' as const) },
  { weight: 1, arbitrary: fc.constant('compat' as const) },
);

const addressGene: fc.Arbitrary<AddressGene> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('edge' as const),
      pick: fc.nat(),
      last: fc.boolean(),
      delta: fc.oneof({ weight: 1, arbitrary: fc.constant(-1 as const) }, { weight: 2, arbitrary: fc.constant(0 as const) }, { weight: 1, arbitrary: fc.constant(1 as const) }),
      form: formGene,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('inside' as const), pick: fc.nat(), offset: fc.bigInt({ min: 0n, max: V6_MAX }), form: formGene }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('loose' as const), pick: fc.nat(), form: formGene }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('random' as const), v6: fc.boolean(), value: fc.bigInt({ min: 0n, max: V6_MAX }), form: formGene }) },
);

/** Writes an address in one of the forms a caller may use; IPv4 may come ::ffff:-mapped. */
function formatAddress(family: 4 | 6, value: bigint, form: AddressForm): string {
  if (family === 4) {
    switch (form) {
      case 'mapped':
        return `::ffff:${formatV4(value)}`;
      case 'mapped-hex':
        return formatV6((0xffffn << 32n) | value);
      case 'full':
        return `0:0:0:0:0:ffff:${formatV4(value)}`;
      // IPv4-compatible (::a.b.c.d, deprecated): an IPv6 address in ::/96, NOT the IPv4 one.
      case 'compat':
        return `::${formatV4(value)}`;
      default:
        return formatV4(value);
    }
  }
  switch (form) {
    case 'full':
      return formatV6Full(value);
    case 'upper':
      return formatV6(value).toUpperCase();
    default:
      return formatV6(value);
  }
}

function addressOf(g: AddressGene, cidrs: GenCidr[]): string {
  if (g.kind === 'loose') {
    const text = LOOSE_ADDRESSES[g.pick % LOOSE_ADDRESSES.length]!;
    const family = text.includes(':') ? 6 : 4;
    return formatAddress(family, family === 4 ? v4(text) : v6(text), g.form);
  }
  if (g.kind === 'random' || cidrs.length === 0) {
    const v6Random = g.kind === 'random' ? g.v6 : false;
    const value = g.kind === 'random' ? g.value : 0n;
    return v6Random ? formatAddress(6, value, g.form) : formatAddress(4, value & V4_MAX, g.form);
  }
  const c = cidrs[g.pick % cidrs.length]!;
  const max = c.family === 4 ? V4_MAX : V6_MAX;
  let value: bigint;
  if (g.kind === 'inside') value = c.first + (g.offset % (c.last - c.first + 1n));
  else {
    value = (g.last ? c.last : c.first) + BigInt(g.delta);
    if (value < 0n || value > max) value = g.last ? c.last : c.first;
  }
  return formatAddress(c.family, value, g.form);
}

/**
 * An address of one segment (`outside`: a loose address). Addresses inside its CIDRs may still
 * resolve to a more specific segment, which is what longest-prefix match is about.
 */
function addressIn(seg: RawSegment, g: AddressGene, byText: Map<string, GenCidr>): string {
  if (seg.tier === 'outside') return addressOf(g.kind === 'loose' ? g : { kind: 'loose', pick: 0, form: g.form }, []);
  const mine = seg.cidrs.map((t) => byText.get(t)!);
  const gene: AddressGene = g.kind === 'edge' || g.kind === 'inside' ? g : { kind: 'edge', pick: 0, last: false, delta: 0, form: g.form };
  return addressOf(gene, mine);
}

type ServiceGene = { kind: 'edge'; pick: number } | { kind: 'fixed'; text: string };

const FLOW_SERVICES = ['tcp/1', 'tcp/65535', 'udp/53', 'tcp/443', 'icmp', 'icmpv6', 'proto/1', 'proto/58', 'proto/47', 'proto/0', 'proto/255', 'proto/50'];

const serviceGene: fc.Arbitrary<ServiceGene> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('edge' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fixed' as const), text: fc.constantFrom(...FLOW_SERVICES) }) },
);

/** Every service text the rule set mentions, literal or inside a named service. */
function literalsOf(rules: RawRuleSet): string[] {
  const out = new Set<string>();
  const named = rules.services ?? {};
  const add = (texts: string[]) => {
    for (const t of texts) {
      if (Object.hasOwn(named, t)) named[t]!.forEach((x) => out.add(x));
      else out.add(t);
    }
  };
  for (const s of rules.segments) {
    if (s.sanitizer) add(s.sanitizer.services);
    if (s.breakout) add(s.breakout.services);
  }
  for (const f of rules.flows ?? []) add(f.services);
  for (const e of rules.exceptions ?? []) add(e.services);
  for (const texts of Object.values(named)) add(texts);
  return [...out].sort();
}

/** Flow services at every edge of every range the rules mention, and one port either side. */
export function edgeServices(rules: RawRuleSet): string[] {
  const out = new Set<string>();
  for (const text of literalsOf(rules)) {
    const r = parseServiceRange(text);
    if (!r.ok) continue;
    const { lo, hi } = r.range;
    const pLo = Math.floor(lo / 65536);
    const pHi = Math.floor(hi / 65536);
    for (const proto of new Set([pLo, pHi])) {
      if (proto === 6 || proto === 17) {
        const name = proto === 6 ? 'tcp' : 'udp';
        const portLo = proto === pLo ? Math.max(1, lo % 65536) : 1;
        const portHi = proto === pHi ? hi % 65536 : 65535;
        for (const p of [portLo - 1, portLo, portLo + 1, portHi - 1, portHi, portHi + 1]) {
          if (p >= 1 && p <= 65535) out.add(`${name}/${p}`);
        }
      } else out.add(proto === 1 ? 'icmp' : proto === 58 ? 'icmpv6' : `proto/${proto}`);
    }
    if (pHi - pLo > 1) out.add('proto/47');
  }
  return [...out].sort();
}

function serviceOf(g: ServiceGene, candidates: string[]): string {
  if (g.kind === 'fixed' || candidates.length === 0) return g.kind === 'fixed' ? g.text : 'tcp/443';
  return candidates[g.pick % candidates.length]!;
}

/**
 * How a flow is aimed: `free` picks any address and service; `rule` aims at the from/to/services
 * of one flow rule or exception, `sanitizer` at what one sanitizer bridges — random flows alone
 * almost never hit a grant through a sanitizer.
 */
type FlowGene = {
  aim: 'free' | 'rule' | 'sanitizer';
  pick: number;
  srcPick: number;
  dstPick: number;
  src: AddressGene;
  dst: AddressGene;
  service: ServiceGene;
};

const flowGene: fc.Arbitrary<FlowGene> = fc.record({
  aim: fc.oneof(
    { weight: 3, arbitrary: fc.constant('free' as const) },
    { weight: 3, arbitrary: fc.constant('rule' as const) },
    { weight: 2, arbitrary: fc.constant('sanitizer' as const) },
  ),
  pick: fc.nat(),
  srcPick: fc.nat(),
  dstPick: fc.nat(),
  src: addressGene,
  dst: addressGene,
  service: serviceGene,
});

/** Service edges per services list of a rule or sanitizer (the list object is the key). */
const edgeCache = new WeakMap<string[], string[]>();

function flowOf(f: FlowGene, built: Built, ref: ReferenceEvaluator, allServices: string[]): FlowText {
  const free = (): FlowText => ({
    src: addressOf(f.src, built.cidrs),
    dst: addressOf(f.dst, built.cidrs),
    service: serviceOf(f.service, allServices),
  });
  const byText = (built.byText ??= new Map(built.cidrs.map((c) => [c.text, c])));
  const one = <T>(xs: T[], pick: number): T | undefined => (xs.length === 0 ? undefined : xs[pick % xs.length]);
  const servicesOf = (texts: string[]) => {
    let edges = edgeCache.get(texts);
    if (!edges) {
      edges = edgeServices({ segments: [], services: built.rules.services ?? {}, flows: [{ id: '', from: [], to: [], services: texts }] });
      edgeCache.set(texts, edges);
    }
    return edges;
  };
  if (f.aim === 'rule') {
    const rules = [...(built.rules.flows ?? []), ...(built.rules.exceptions ?? [])];
    const r = one(rules, f.pick);
    const S = r && one(ref.segmentsSelected(r.from), f.srcPick);
    const D = r && one(ref.segmentsSelected(r.to), f.dstPick);
    if (!r || !S || !D) return free();
    return { src: addressIn(S, f.src, byText), dst: addressIn(D, f.dst, byText), service: serviceOf(f.service, servicesOf(r.services)) };
  }
  const breakouts = built.rules.segments.filter((s) => s.breakout);
  if (f.aim === 'sanitizer' && breakouts.length > 0 && f.pick % 3 !== 2) {
    // What a breakout destination lets through (α′), from some LGWAN-tier segment.
    const X = one(breakouts, Math.floor(f.pick / 3));
    const S = one(
      built.rules.segments.filter((s) => s.tier === 'lgwan'),
      f.srcPick,
    );
    if (X && S) return { src: addressIn(S, f.src, byText), dst: addressIn(X, f.dst, byText), service: serviceOf(f.service, servicesOf(X.breakout!.services)) };
  }
  if (f.aim === 'sanitizer') {
    // Half the time the β bridge when there is one (an LGWAN-tier screen-transfer server).
    const all = built.rules.segments.filter((s) => s.sanitizer);
    const beta = all.filter((s) => s.tier === 'lgwan' && s.sanitizer!.method === 'screen-transfer');
    const X = one(beta.length > 0 && f.srcPick % 2 === 0 ? beta : all, f.pick);
    if (!X) return free();
    const san = X.sanitizer!;
    const peer = one(
      built.rules.segments.filter((s) => s.tier === san.peer),
      f.srcPick,
    );
    if (!peer) return free();
    const outbound = san.direction === 'outbound' || (san.direction === 'both' && f.dstPick % 2 === 0);
    const [S, D] = outbound ? [X, peer] : [peer, X];
    return { src: addressIn(S, f.src, byText), dst: addressIn(D, f.dst, byText), service: serviceOf(f.service, servicesOf(san.services)) };
  }
  return free();
}

export interface ScenarioOptions extends RuleSetOptions {
  minFlows?: number;
  maxFlows?: number;
  maxRuleFlows?: number;
}

/** A random valid rule set and a batch of edge-biased flows against it. */
export function scenarioArb(o: ScenarioOptions = {}): fc.Arbitrary<Scenario> {
  const opts: RuleSetOptions = { maxFlows: o.maxRuleFlows ?? 10 };
  if (o.maxSegments !== undefined) opts.maxSegments = o.maxSegments;
  if (o.maxExceptions !== undefined) opts.maxExceptions = o.maxExceptions;
  if (o.model !== undefined) opts.model = o.model;
  return (
    fc
      // Flows first: fast-check shrinks a tuple left to right, so a failure is cut down to its one
      // flow (cheap: the rule set is unchanged) before the rule set is shrunk.
      .tuple(fc.array(flowGene, { minLength: o.minFlows ?? 1, maxLength: o.maxFlows ?? 60, size: 'max' }), genomeArb(opts))
      .map(([flowGenes, genome]) => {
        const built = build(genome);
        const services = edgeServices(built.rules);
        const ref = new ReferenceEvaluator(built.rules, AS_OF);
        const flows = flowGenes.map((f) => flowOf(f, built, ref, services));
        return { rules: built.rules, files: built.files, asOf: AS_OF, flows };
      })
  );
}

/**
 * Edge-biased flows for any raw rule set (the bundled sample city, a synthetic prefecture): the
 * same aims and edges as scenarioArb's flows.
 */
export function flowArbFor(rules: RawRuleSet, asOf: string = AS_OF): fc.Arbitrary<FlowText> {
  const cidrs: GenCidr[] = rules.segments.flatMap((seg) =>
    seg.cidrs.map((text) => {
      const r = parseCidr(text);
      if (!r.ok) throw new Error(`flowArbFor: bad CIDR ${text}: ${r.reason}`);
      return { ...r.cidr, text };
    }),
  );
  const built: Built = { rules, cidrs, files: [] };
  const services = edgeServices(rules);
  const ref = new ReferenceEvaluator(rules, asOf);
  return flowGene.map((f) => flowOf(f, built, ref, services));
}

/** Just the rule set (and its files). */
export function ruleSetArb(o: RuleSetOptions = {}): fc.Arbitrary<Pick<Scenario, 'rules' | 'files' | 'asOf'>> {
  return genomeArb(o).map((g) => {
    const b = build(g);
    return { rules: b.rules, files: b.files, asOf: AS_OF };
  });
}
