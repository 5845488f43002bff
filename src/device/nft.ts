/**
 * `nft -j list ruleset` → the device model. What is read, what is refused and why is in
 * docs/audit-linux.md; the rules in short:
 *
 * - Every base chain on the forward hook of the ip, ip6 and inet families is an entry chain, in
 *   priority order: a new connection is forwarded only if each accepts it. A chain of an ip (ip6)
 *   table sees no IPv6 (IPv4) packet; where the device filters both families, such a chain starts
 *   with a rule sanso adds that passes the other family on (`text` says so, `id` is null).
 * - Chains are named "FAMILY TABLE CHAIN" (`inet filter forward`): names are unique per table.
 * - Chains on other hooks must not decide or rewrite forwarded packets: dnat/redirect in
 *   prerouting is DEVICE-REWRITE, a drop, jump or unknown statement on prerouting, postrouting or
 *   ingress is DEVICE-UNSUPPORTED; snat/masquerade (after filtering) and input/output pass.
 * - Positions: the line and column where the rule's (or expression's) JSON object begins, and the
 *   message names family, table, chain and handle.
 * - A payload match carries its protocol dependency, as nft adds it: `tcp dport != 22` holds for
 *   tcp packets to other ports only, `ip saddr != X` for IPv4 packets only.
 */
import type { ServiceRange } from '../model/types.js';
import { addToSet, emptySet, type Family, parseAddressRange } from './addresses.js';
import { named, parsePort, parseProtocol, type PortRange, portsToKeys, protoRange } from './services.js';
import { JsonPositionError, type PositionedJson, parseJsonWithPositions } from './json-positions.js';
import { type DeviceCode, Reporter, reachable } from './problems.js';
import type { AddressSet, Chain, Condition, Device, DeviceLocation, DeviceRule, ParseResult, Target } from './types.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The one key of a `{"kind": {...}}` object, or null. */
function only(v: unknown): [string, unknown] | null {
  if (!isObj(v)) return null;
  const keys = Object.keys(v);
  return keys.length === 1 ? [keys[0]!, v[keys[0]!]] : null;
}

export function detect(text: string): boolean {
  return /^\s*\{\s*"nftables"\s*:/.test(text);
}

interface NftChain {
  family: string;
  table: string;
  name: string;
  hook: string | null;
  type: string | null;
  prio: number;
  policy: 'accept' | 'drop';
  obj: Obj;
  rules: Obj[];
}

interface NftSet {
  obj: Obj;
  type: unknown;
  flags: string[];
  elem: unknown[];
  /** For maps: what the elements map to ("verdict" for vmaps). */
  map: unknown;
}

const FAMILIES = new Set(['ip', 'ip6', 'inet']);
const NAMED_PRIO: Record<string, number> = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100 };
const CT_STATES = new Set(['new', 'established', 'related', 'invalid', 'untracked']);

const key3 = (family: string, table: string, name: string): string => `${family} ${table} ${name}`;

export function parseNftJson(text: string, file: string, opts: { lenient: boolean }): ParseResult {
  const rep = new Reporter(opts.lenient);
  let doc: PositionedJson;
  try {
    doc = parseJsonWithPositions(text);
  } catch (e) {
    const off = e instanceof JsonPositionError ? e.offset : 0;
    const before = text.slice(0, off);
    const line = before.split('\n').length;
    const col = off - before.lastIndexOf('\n');
    rep.fatal('DEVICE-SYNTAX', { file, line, col }, `not JSON: ${(e as Error).message}`);
    return { devices: [], problems: rep.problems };
  }
  const locOf = (o: unknown, fallback?: unknown): DeviceLocation => {
    const off = (isObj(o) || Array.isArray(o) ? doc.offsets.get(o) : undefined) ?? (isObj(fallback) || Array.isArray(fallback) ? doc.offsets.get(fallback) : undefined) ?? 0;
    return { file, ...doc.position(off) };
  };
  const root = doc.value;
  const list = isObj(root) ? root.nftables : undefined;
  if (!Array.isArray(list)) {
    rep.fatal('DEVICE-SYNTAX', locOf(root), 'not the output of nft -j list ruleset: no "nftables" array at the top');
    return { devices: [], problems: rep.problems };
  }
  const tables = new Set<string>();
  const chains = new Map<string, NftChain>();
  const sets = new Map<string, NftSet>();
  const rules: Obj[] = [];
  for (const item of list) {
    const kv = only(item);
    if (!kv || !isObj(kv[1])) {
      rep.fatal('DEVICE-SYNTAX', locOf(item, list), 'each element of "nftables" is one {"kind": {…}} object');
      continue;
    }
    const [kind, o] = kv;
    const family = String(o.family ?? '');
    switch (kind) {
      case 'metainfo':
        break;
      case 'table':
        tables.add(`${family} ${String(o.name)}`);
        break;
      case 'chain': {
        const prio = typeof o.prio === 'number' ? o.prio : typeof o.prio === 'string' ? named(NAMED_PRIO, o.prio) : 0;
        if (prio === null) rep.fatal('DEVICE-SYNTAX', locOf(o), `chain ${key3(family, String(o.table), String(o.name))}: priority "${String(o.prio)}" is not a number`);
        chains.set(key3(family, String(o.table), String(o.name)), {
          family,
          table: String(o.table),
          name: String(o.name),
          hook: typeof o.hook === 'string' ? o.hook : null,
          type: typeof o.type === 'string' ? o.type : null,
          prio: prio ?? 0,
          policy: o.policy === 'drop' ? 'drop' : 'accept',
          obj: o,
          rules: [],
        });
        break;
      }
      case 'set':
      case 'map':
        sets.set(key3(family, String(o.table), String(o.name)), {
          obj: o,
          type: o.type,
          flags: Array.isArray(o.flags) ? o.flags.map(String) : typeof o.flags === 'string' ? [o.flags] : [],
          elem: Array.isArray(o.elem) ? o.elem : [],
          map: o.map ?? null,
        });
        break;
      case 'rule':
        rules.push(o);
        break;
      default:
        // flowtables, counters, quotas, ct helpers, limits, elements: objects only rules can use,
        // and a rule that uses one is refused where it does.
        break;
    }
  }
  for (const r of rules) {
    const c = chains.get(key3(String(r.family), String(r.table), String(r.chain)));
    if (!c)
      rep.fail('DEVICE-REFERENCE', locOf(r), `rule handle ${String(r.handle)} is in chain ${String(r.chain)}, which table ${String(r.family)} ${String(r.table)} does not define`);
    else c.rules.push(r);
  }

  const ctx: Ctx = { rep, chains, sets, locOf };
  const device: Device = { name: file, file, format: 'nft', families: [], chains: new Map(), entry: [] };
  const families = new Set<Family>();
  for (const t of tables) {
    const f = t.split(' ')[0]!;
    if (f === 'ip' || f === 'inet') families.add(4);
    if (f === 'ip6' || f === 'inet') families.add(6);
  }
  if (families.size === 0) {
    families.add(4);
    families.add(6);
  }
  device.families = [...families].sort();
  const forward = [...chains.values()].filter((c) => c.hook === 'forward' && FAMILIES.has(c.family)).sort((a, b) => a.prio - b.prio);
  for (const c of chains.values()) {
    if (c.hook !== null && !(c.hook === 'forward' && FAMILIES.has(c.family))) checkOtherHook(c, ctx);
  }
  // Translate every chain of a table that has a forward base chain; keep those reachable.
  const wanted = new Set(forward.map((c) => `${c.family} ${c.table}`));
  const pending = new Map<string, Problem[]>();
  for (const c of chains.values()) {
    if (!wanted.has(`${c.family} ${c.table}`)) continue;
    if (c.hook !== null && c.hook !== 'forward') continue;
    const probs: Problem[] = [];
    device.chains.set(key3(c.family, c.table, c.name), translateChain(c, ctx, families, probs));
    pending.set(key3(c.family, c.table, c.name), probs);
  }
  device.entry = forward.map((c) => key3(c.family, c.table, c.name));
  const { names, loops } = reachable(device.chains, device.entry);
  for (const [name, probs] of pending) {
    for (const p of probs) if (p.fatal || names.has(name)) (p.fatal ? rep.fatal : rep.fail).call(rep, p.code, p.loc, p.message);
  }
  for (const l of loops) {
    rep.fatal('DEVICE-LOOP', l.rule.loc, `chains loop: ${l.cycle.join(' → ')}`);
    l.rule.target = { kind: 'continue' };
  }
  for (const n of [...device.chains.keys()]) if (!names.has(n)) device.chains.delete(n);
  return { devices: [device], problems: rep.problems };
}

interface Problem {
  code: DeviceCode;
  loc: DeviceLocation;
  message: string;
  fatal: boolean;
}

interface Ctx {
  rep: Reporter;
  chains: Map<string, NftChain>;
  sets: Map<string, NftSet>;
  locOf: (o: unknown, fallback?: unknown) => DeviceLocation;
}

const where = (c: { family: string; table: string; name: string }, handle?: unknown): string =>
  `table ${c.family} ${c.table} chain ${c.name}${handle === undefined ? '' : ` handle ${String(handle)}`}`;

/** Statements that neither decide nor rewrite: a rule of only these is harmless on any hook. */
const HARMLESS = new Set(['match', 'counter', 'log', 'accept', 'return', 'continue', 'snat', 'masquerade']);

function checkOtherHook(c: NftChain, ctx: Ctx): void {
  if (c.hook === 'input' || c.hook === 'output' || c.family === 'arp' || c.family === 'bridge') return;
  if (c.policy === 'drop') ctx.rep.fail('DEVICE-UNSUPPORTED', ctx.locOf(c.obj), `${where(c)} on hook ${c.hook} has policy drop: it drops forwarded packets sanso does not audit`);
  for (const r of c.rules) {
    const exprs = Array.isArray(r.expr) ? r.expr : [];
    for (const e of exprs) {
      const kv = only(e);
      const kind = kv?.[0] ?? '?';
      if ((kind === 'dnat' || kind === 'redirect' || kind === 'tproxy') && c.hook === 'prerouting') {
        ctx.rep.fail('DEVICE-REWRITE', ctx.locOf(e, r), `${where(c, r.handle)}: ${kind} rewrites the destination before the forward chains filter`);
        break;
      }
      if ((kind === 'snat' || kind === 'masquerade') && c.hook !== 'postrouting') {
        ctx.rep.fail('DEVICE-UNSUPPORTED', ctx.locOf(e, r), `${where(c, r.handle)}: ${kind} on hook ${c.hook}`);
        break;
      }
      if (!HARMLESS.has(kind)) {
        ctx.rep.fail(
          'DEVICE-UNSUPPORTED',
          ctx.locOf(e, r),
          `${where(c, r.handle)} on hook ${c.hook}: "${kind}" could change what is forwarded, and sanso audits only the forward hook`,
        );
        break;
      }
    }
  }
}

function translateChain(c: NftChain, ctx: Ctx, families: Set<Family>, probs: Problem[]): Chain {
  const base = c.hook === 'forward';
  const chain: Chain = {
    name: key3(c.family, c.table, c.name),
    rules: [],
    policy: base ? c.policy : null,
    policyLoc: base && c.obj.policy !== undefined ? ctx.locOf(c.obj) : null,
  };
  if (base && c.family !== 'inet') {
    const own: Family = c.family === 'ip' ? 4 : 6;
    const other: Family = own === 4 ? 6 : 4;
    if (families.has(other)) {
      chain.rules.push({
        conditions: [{ kind: 'family', family: own, negate: true }],
        target: { kind: 'accept' },
        loc: ctx.locOf(c.obj),
        text: `(table ${c.family} ${c.table} sees no IPv${other} packet: they pass this chain)`,
        id: null,
      });
    }
  }
  for (const r of c.rules) chain.rules.push(...translateRule(r, c, ctx, probs));
  return chain;
}

/** Protocol numbers a rule restricts itself to with positive l4proto / ip protocol matches. */
function ruleProtocols(exprs: unknown[]): number[] | null {
  let protos: number[] | null = null;
  for (const e of exprs) {
    const kv = only(e);
    if (kv?.[0] !== 'match' || !isObj(kv[1])) continue;
    const m = kv[1];
    if (m.op !== '==' && m.op !== 'in') continue;
    const left = only(m.left);
    const isProto =
      (left?.[0] === 'meta' && isObj(left[1]) && left[1].key === 'l4proto') ||
      (left?.[0] === 'payload' && isObj(left[1]) && left[1].protocol === 'ip' && left[1].field === 'protocol');
    if (!isProto) continue;
    const values = isObj(m.right) && Array.isArray(m.right.set) ? m.right.set : [m.right];
    const ps = values.map((v) => (typeof v === 'string' || typeof v === 'number' ? parseProtocol(v) : null));
    if (ps.some((p) => p === null)) continue;
    const these = ps as number[];
    protos = protos === null ? these : protos.filter((p) => these.includes(p));
  }
  return protos;
}

type Verdict = Target | null;

function translateRule(r: Obj, c: NftChain, ctx: Ctx, probs: Problem[]): DeviceRule[] {
  const exprs = Array.isArray(r.expr) ? r.expr : [];
  const ruleLoc = ctx.locOf(r);
  const text = `${where(c, r.handle)}: ${exprs.map(render).join(' ')}${typeof r.comment === 'string' ? ` comment ${JSON.stringify(r.comment)}` : ''}`;
  const id = r.handle === undefined ? null : `handle ${String(r.handle)}`;
  const out: DeviceRule[] = [];
  const conditions: Condition[] = [];
  const protos = ruleProtocols(exprs);
  const problem = (code: DeviceCode, at: unknown, message: string, fatal = false): void => {
    probs.push({ code, loc: ctx.locOf(at, r), message: `${where(c, r.handle)}: ${message}`, fatal });
  };
  let target: Verdict = null;
  for (let k = 0; k < exprs.length; k++) {
    const e = exprs[k];
    const kv = only(e);
    if (!kv) {
      problem('DEVICE-SYNTAX', e, 'an expression is one {"kind": …} object', true);
      continue;
    }
    const [kind, body] = kv;
    if (target) {
      problem('DEVICE-SYNTAX', e, `"${kind}" follows the verdict`, true);
      break;
    }
    switch (kind) {
      case 'match': {
        const conds = translateMatch(body, e, c, ctx, protos, problem);
        if (conds) conditions.push(...conds);
        continue;
      }
      case 'counter':
      case 'log':
        continue;
      case 'accept':
        target = { kind: 'accept' };
        continue;
      case 'drop':
      case 'reject':
        target = { kind: 'drop' };
        continue;
      case 'return':
        target = { kind: 'return' };
        continue;
      case 'continue':
        continue;
      case 'jump':
      case 'goto': {
        const name = isObj(body) ? body.target : undefined;
        if (typeof name !== 'string' || !ctx.chains.has(key3(c.family, c.table, name))) {
          problem('DEVICE-REFERENCE', e, `${kind} to chain ${String(name)}, which table ${c.family} ${c.table} does not define`);
          continue;
        }
        target = { kind, chain: key3(c.family, c.table, name) };
        continue;
      }
      case 'vmap': {
        const rest = exprs.slice(k + 1);
        const v = translateVmap(body, e, c, ctx, protos, problem);
        if (!v) continue;
        for (const el of v.elements) out.push({ conditions: [...conditions, ...el.conditions], target: el.target, loc: ruleLoc, text, id });
        if (rest.length === 0) return out;
        // Statements after a vmap run only when no element matched.
        conditions.push(...v.none);
        continue;
      }
      default:
        problem('DEVICE-UNSUPPORTED', e, `"${kind}" is not understood (docs/audit-linux.md lists what is)`);
        continue;
    }
  }
  out.push({ conditions, target: target ?? { kind: 'continue' }, loc: ruleLoc, text, id });
  return out;
}

type ProblemFn = (code: DeviceCode, at: unknown, message: string, fatal?: boolean) => void;

/** What a match's left side reads. */
type Selector =
  | { kind: 'addr'; dir: 'src' | 'dst'; family: Family }
  | { kind: 'port'; protos: number[] }
  /** `ip protocol` reads IPv4 packets only; `meta l4proto` both families. */
  | { kind: 'proto'; family: Family | null }
  | { kind: 'nfproto' }
  | { kind: 'iface'; dir: 'in' | 'out' }
  | { kind: 'ctstate' };

function selector(left: unknown, protos: number[] | null): Selector | string {
  const kv = only(left);
  if (kv?.[0] === 'concat') return 'concatenations (ip saddr . tcp dport …) are not understood';
  if (!kv || !isObj(kv[1])) return 'an expression sanso does not know';
  const [kind, b] = kv;
  if (kind === 'payload') {
    const p = String(b.protocol);
    const f = String(b.field);
    if ((p === 'ip' || p === 'ip6') && (f === 'saddr' || f === 'daddr')) return { kind: 'addr', dir: f === 'saddr' ? 'src' : 'dst', family: p === 'ip' ? 4 : 6 };
    if (p === 'ip' && f === 'protocol') return { kind: 'proto', family: 4 };
    if ((p === 'tcp' || p === 'udp') && f === 'dport') return { kind: 'port', protos: [p === 'tcp' ? 6 : 17] };
    if (p === 'th' && f === 'dport') {
      if (protos === null || protos.length === 0 || protos.some((x) => x !== 6 && x !== 17))
        return 'th dport without "meta l4proto { tcp, udp }" in the same rule reads bytes of other protocols';
      return { kind: 'port', protos };
    }
    if (f === 'sport') return `${p} sport matches the source port, which the device model has no notion of`;
    if (p === 'ip6' && f === 'nexthdr') return 'ip6 nexthdr is the first extension header, not always the transport protocol: write meta l4proto';
    return `${p} ${f} is not understood`;
  }
  if (kind === 'meta') {
    const key = String(b.key);
    if (key === 'l4proto') return { kind: 'proto', family: null };
    if (key === 'nfproto' || key === 'protocol') return { kind: 'nfproto' };
    if (key === 'iifname' || key === 'iif') return { kind: 'iface', dir: 'in' };
    if (key === 'oifname' || key === 'oif') return { kind: 'iface', dir: 'out' };
    if (key === 'mark') return 'meta mark depends on marks set elsewhere (other chains, policy routing): sanso cannot know them';
    return `meta ${key} is not understood`;
  }
  if (kind === 'ct') {
    if (b.key === 'state' && b.dir === undefined) return { kind: 'ctstate' };
    return `ct ${String(b.key)} is not understood (only ct state)`;
  }
  if (kind === 'fib') return 'fib looks up routes, which the device model has no notion of';
  return `${kind} is not understood`;
}

/** The right-hand values of a match: a set reference is resolved to its elements. */
function values(right: unknown, c: NftChain, ctx: Ctx, problem: ProblemFn, at: unknown): unknown[] | null {
  if (typeof right === 'string' && right.startsWith('@')) {
    const s = ctx.sets.get(key3(c.family, c.table, right.slice(1)));
    if (!s) {
      problem('DEVICE-REFERENCE', at, `set ${right} is not defined in table ${c.family} ${c.table}`);
      return null;
    }
    if (s.flags.includes('dynamic') || s.flags.includes('timeout') || s.obj.timeout !== undefined) {
      problem('DEVICE-UNSUPPORTED', at, `set ${right} is updated from the packet path (flags dynamic/timeout): its content at audit time is not the device's`);
      return null;
    }
    if (Array.isArray(s.type)) {
      problem('DEVICE-UNSUPPORTED', at, `set ${right} holds concatenations (${s.type.join(' . ')})`);
      return null;
    }
    return s.elem.map(unwrapElem);
  }
  if (isObj(right) && Array.isArray(right.set)) return right.set.map(unwrapElem);
  if (Array.isArray(right)) return right;
  return [right];
}

/** A flag list as nft prints it: `{"|": [{"|": ["invalid", "established"]}, "new"]}`. */
function orList(v: unknown): unknown[] {
  if (isObj(v) && Array.isArray(v['|'])) return v['|'].flatMap(orList);
  return [v];
}

function unwrapElem(v: unknown): unknown {
  return isObj(v) && isObj(v.elem) ? v.elem.val : v;
}

function addressValue(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (isObj(v) && isObj(v.prefix)) return `${String(v.prefix.addr)}/${String(v.prefix.len)}`;
  if (isObj(v) && Array.isArray(v.range) && v.range.length === 2) return `${String(v.range[0])}-${String(v.range[1])}`;
  return null;
}

function portValue(v: unknown): PortRange | null {
  if (typeof v === 'number' || typeof v === 'string') {
    const p = parsePort(v, 'padded');
    return p === null ? null : { lo: p, hi: p };
  }
  if (isObj(v) && Array.isArray(v.range) && v.range.length === 2) {
    const lo = parsePort(v.range[0] as number, 'padded');
    const hi = parsePort(v.range[1] as number, 'padded');
    return lo !== null && hi !== null && lo <= hi ? { lo, hi } : null;
  }
  return null;
}

/** The elements of a match or vmap key, as one positive condition; null after a problem. */
function elementCondition(sel: Selector, vals: unknown[], problem: ProblemFn, at: unknown): Condition | 'all' | 'none' | null {
  switch (sel.kind) {
    case 'addr': {
      const set: AddressSet = emptySet();
      for (const v of vals) {
        const t = addressValue(v);
        const parsed = t === null ? `${JSON.stringify(v)} is not an address` : parseAddressRange(t);
        if (typeof parsed === 'string') {
          problem('DEVICE-SYNTAX', at, parsed, true);
          return null;
        }
        if (parsed.family !== sel.family) {
          problem('DEVICE-SYNTAX', at, `${t} is not an IPv${sel.family} address`, true);
          return null;
        }
        addToSet(set, parsed);
      }
      return { kind: sel.dir, set, negate: false };
    }
    case 'port': {
      const ranges: PortRange[] = [];
      for (const v of vals) {
        const r = portValue(v);
        if (!r) {
          problem('DEVICE-SYNTAX', at, `${JSON.stringify(v)} is not a port or port range`, true);
          return null;
        }
        ranges.push(r);
      }
      return { kind: 'service', ranges: portsToKeys(sel.protos, ranges), negate: false };
    }
    case 'proto': {
      const ranges: ServiceRange[] = [];
      for (const v of vals) {
        const p = typeof v === 'string' || typeof v === 'number' ? parseProtocol(v) : null;
        if (p === null) {
          problem('DEVICE-SYNTAX', at, `${JSON.stringify(v)} is not a protocol`, true);
          return null;
        }
        ranges.push(protoRange(p));
      }
      return { kind: 'service', ranges, negate: false };
    }
    case 'nfproto': {
      const fams = new Set<Family>();
      for (const v of vals) {
        if (v === 'ipv4' || v === 'ip' || v === 2) fams.add(4);
        else if (v === 'ipv6' || v === 'ip6' || v === 10) fams.add(6);
        else {
          problem('DEVICE-UNSUPPORTED', at, `${JSON.stringify(v)} is not ipv4 or ipv6`);
          return null;
        }
      }
      if (fams.size === 2) return 'all';
      if (fams.size === 0) return 'none';
      return { kind: 'family', family: [...fams][0]!, negate: false };
    }
    case 'iface': {
      const names: string[] = [];
      for (const v of vals) {
        if (typeof v !== 'string' || /[+?[\]\\]/.test(v) || (v.indexOf('*') !== v.length - 1 && v.includes('*'))) {
          problem('DEVICE-UNSUPPORTED', at, `interface name ${JSON.stringify(v)}: sanso reads plain names and a trailing * only`);
          return null;
        }
        names.push(v.endsWith('*') ? `${v.slice(0, -1)}+` : v);
      }
      if (names.includes('+')) return 'all';
      return { kind: sel.dir, names, negate: false };
    }
    case 'ctstate':
      return null; // translateMatch hands ct state to ctState(), and a vmap on it is refused
  }
}

/**
 * The dependency nft adds to a payload match: ip saddr holds for IPv4 only, tcp dport for tcp.
 * A positive address or port match implies it (its set holds only such flows); `ip protocol`
 * and every negated match need it written out.
 */
function dependency(sel: Selector, negated: boolean): Condition | null {
  if (sel.kind === 'addr' && negated) return { kind: 'family', family: sel.family, negate: false };
  if (sel.kind === 'port' && negated) return { kind: 'service', ranges: sel.protos.map(protoRange), negate: false };
  if (sel.kind === 'proto' && sel.family !== null) return { kind: 'family', family: sel.family, negate: false };
  return null;
}

function negateCondition(c: Condition | 'all' | 'none', why: string): Condition[] {
  if (c === 'all') return [{ kind: 'never', why }];
  if (c === 'none') return [];
  if (c.kind === 'never') return [];
  return [{ ...c, negate: !c.negate }];
}

function translateMatch(body: unknown, e: unknown, c: NftChain, ctx: Ctx, protos: number[] | null, problem: ProblemFn): Condition[] | null {
  if (!isObj(body)) {
    problem('DEVICE-SYNTAX', e, 'a match has op, left and right', true);
    return null;
  }
  const sel = selector(body.left, protos);
  if (typeof sel === 'string') {
    problem('DEVICE-UNSUPPORTED', e, sel);
    return null;
  }
  const op = body.op;
  if (sel.kind === 'ctstate') return ctState(body, e, c, ctx, problem);
  let vals: unknown[] | null;
  if (sel.kind === 'port' && (op === '<' || op === '>' || op === '<=' || op === '>=' || op === 'lt' || op === 'gt' || op === 'le' || op === 'ge')) {
    const p = parsePort(body.right as number, 'padded');
    if (p === null) {
      problem('DEVICE-SYNTAX', e, `${JSON.stringify(body.right)} is not a port`, true);
      return null;
    }
    const o = String(op);
    const lo = o === '>' || o === 'gt' ? p + 1 : o === '>=' || o === 'ge' ? p : 0;
    const hi = o === '<' || o === 'lt' ? p - 1 : o === '<=' || o === 'le' ? p : 65535;
    vals = lo > hi ? [] : [{ range: [lo, hi] }];
  } else if (op === '==' || op === '!=' || op === 'in') {
    vals = values(body.right, c, ctx, problem, e);
  } else {
    problem('DEVICE-UNSUPPORTED', e, `operator ${JSON.stringify(op)} is not understood`);
    return null;
  }
  if (!vals) return null;
  const cond = vals.length === 0 ? 'none' : elementCondition(sel, vals, problem, e);
  if (cond === null) return null;
  const dep = dependency(sel, op === '!=');
  if (op !== '!=') return cond === 'all' ? [] : cond === 'none' ? [{ kind: 'never', why: 'the match holds for no new connection' }] : [...(dep ? [dep] : []), cond];
  return [...(dep ? [dep] : []), ...negateCondition(cond, 'the negated match holds for no new connection')];
}

/**
 * `ct state`: a new connection's first packet is in state new and only that (sanso refuses
 * notrack and dnat on the way in, which could make it otherwise). The state is a bit mask, and
 * nft compares a flag list (`ct state established,related`, JSON an array or `{"|": …}`) with
 * the mask: `==` holds when any flag is set, `!=` when not all of them are — so
 * `ct state != established,related` holds for every packet, while the set form
 * `ct state != { established, related }` holds for states outside the set. The kernel tests
 * (test/kernel/) confirmed both readings.
 */
function ctState(body: Obj, e: unknown, c: NftChain, ctx: Ctx, problem: ProblemFn): Condition[] | null {
  const right = body.right;
  const flagList = Array.isArray(right) || (isObj(right) && Array.isArray(right['|']));
  const raw = flagList ? (Array.isArray(right) ? right : [right]) : values(right, c, ctx, problem, e);
  if (!raw) return null;
  const states = raw.flatMap(orList);
  for (const v of states) {
    if (typeof v !== 'string' || !CT_STATES.has(v)) {
      problem('DEVICE-SYNTAX', e, `${JSON.stringify(v)} is not a connection state`, true);
      return null;
    }
  }
  const op = body.op;
  let holds: boolean;
  if (op === '==' || op === 'in') holds = states.includes('new');
  else if (op === '!=') holds = flagList ? !states.every((s) => s === 'new') : !states.includes('new');
  else {
    problem('DEVICE-UNSUPPORTED', e, `operator ${JSON.stringify(op)} on ct state is not understood`);
    return null;
  }
  return holds ? [] : [{ kind: 'never', why: `ct state ${op === '!=' ? '!= ' : ''}${states.join(',')} holds for no new connection` }];
}

interface VmapResult {
  elements: { conditions: Condition[]; target: Target }[];
  /** Conditions that hold when no element matched. */
  none: Condition[];
}

function translateVmap(body: unknown, e: unknown, c: NftChain, ctx: Ctx, protos: number[] | null, problem: ProblemFn): VmapResult | null {
  if (!isObj(body)) {
    problem('DEVICE-SYNTAX', e, 'a vmap has key and data', true);
    return null;
  }
  const sel = selector(body.key, protos);
  if (typeof sel === 'string' || (sel.kind !== 'addr' && sel.kind !== 'port' && sel.kind !== 'proto') || (sel.kind === 'proto' && sel.family !== null && c.family !== 'ip')) {
    problem('DEVICE-UNSUPPORTED', e, `vmap on ${typeof sel === 'string' ? sel : sel.kind}: sanso reads verdict maps on addresses, ports and protocols`);
    return null;
  }
  let pairs: unknown[];
  const data = body.data;
  if (typeof data === 'string' && data.startsWith('@')) {
    const m = ctx.sets.get(key3(c.family, c.table, data.slice(1)));
    if (!m || m.map === null) {
      problem('DEVICE-REFERENCE', e, `map ${data} is not defined in table ${c.family} ${c.table}`);
      return null;
    }
    if (m.map !== 'verdict' || Array.isArray(m.type) || m.flags.includes('dynamic') || m.flags.includes('timeout')) {
      problem('DEVICE-UNSUPPORTED', e, `map ${data} is not a constant verdict map on one key`);
      return null;
    }
    pairs = m.elem;
  } else if (isObj(data) && Array.isArray(data.set)) {
    pairs = data.set;
  } else {
    problem('DEVICE-UNSUPPORTED', e, 'a vmap whose data is neither a set of pairs nor a named map');
    return null;
  }
  const elements: VmapResult['elements'] = [];
  const all: unknown[] = [];
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2) {
      problem('DEVICE-SYNTAX', e, 'a vmap element is a [key, verdict] pair', true);
      return null;
    }
    const key = unwrapElem(pair[0]);
    const v = only(pair[1]);
    let target: Target | null = null;
    if (v?.[0] === 'accept') target = { kind: 'accept' };
    else if (v?.[0] === 'drop' || v?.[0] === 'reject') target = { kind: 'drop' };
    else if (v?.[0] === 'return') target = { kind: 'return' };
    else if ((v?.[0] === 'jump' || v?.[0] === 'goto') && isObj(v[1]) && typeof v[1].target === 'string') {
      if (!ctx.chains.has(key3(c.family, c.table, v[1].target))) {
        problem('DEVICE-REFERENCE', e, `vmap ${v[0]} to chain ${v[1].target}, which table ${c.family} ${c.table} does not define`);
        return null;
      }
      target = { kind: v[0], chain: key3(c.family, c.table, v[1].target) };
    }
    if (!target) {
      problem('DEVICE-UNSUPPORTED', e, `vmap verdict ${JSON.stringify(pair[1])} is not understood`);
      return null;
    }
    const cond = elementCondition(sel, [key], problem, e);
    if (cond === null || cond === 'all' || cond === 'none') return null;
    elements.push({ conditions: [cond], target });
    all.push(key);
  }
  const union = all.length === 0 ? 'none' : elementCondition(sel, all, problem, e);
  if (union === null) return null;
  return { elements, none: negateCondition(union, 'every packet meets one of the vmap keys') };
}

/** One line of nft-like text for an expression, for reports; JSON where sanso has no words. */
function render(e: unknown): string {
  const kv = only(e);
  if (!kv) return JSON.stringify(e);
  const [kind, b] = kv;
  if (b === null) return kind;
  if (kind === 'match' && isObj(b)) return `${renderValue(b.left)}${b.op === '==' || b.op === 'in' ? '' : ` ${String(b.op)}`} ${renderValue(b.right)}`;
  if ((kind === 'jump' || kind === 'goto') && isObj(b)) return `${kind} ${String(b.target)}`;
  if (kind === 'counter' || kind === 'log') return kind;
  if (kind === 'reject') return 'reject';
  if (kind === 'vmap' && isObj(b)) return `${renderValue(b.key)} vmap ${renderValue(b.data)}`;
  return JSON.stringify(e);
}

function renderValue(v: unknown): string {
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (Array.isArray(v)) {
    if (v.length === 2 && only(v[1]) && !Array.isArray(v[0])) return `${renderValue(v[0])} : ${render(v[1])}`;
    return v.map(renderValue).join(',');
  }
  const kv = only(v);
  if (!kv) return JSON.stringify(v);
  const [kind, b] = kv;
  if (kind === 'payload' && isObj(b)) return `${String(b.protocol)} ${String(b.field)}`;
  if (kind === 'meta' && isObj(b)) return `meta ${String(b.key)}`;
  if (kind === 'ct' && isObj(b)) return `ct ${String(b.key)}`;
  if (kind === 'prefix' && isObj(b)) return `${String(b.addr)}/${String(b.len)}`;
  if (kind === 'range' && Array.isArray(b)) return `${renderValue(b[0])}-${renderValue(b[1])}`;
  if (kind === 'set' && Array.isArray(b)) return `{ ${b.map(renderValue).join(', ')} }`;
  if (kind === 'elem' && isObj(b)) return renderValue(b.val);
  return JSON.stringify(v);
}
