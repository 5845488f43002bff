/**
 * A device compiled into range form: each dimension cut into classes the device cannot tell
 * apart, and each rule turned into three bitsets (source-side, destination-side, service) over
 * those classes. Done once per (device, table, interfaces).
 *
 * Source side: an address class is a set of addresses with the same family, the same interface
 * in front of it (from the interfaces file, through its segment) and the same membership in every
 * source set of the device. So `-s`, `-i` and family matches are all source-side predicates, and
 * the device's verdict for a flow depends on its source only through the source class. The same
 * holds for destinations (`-d`, `-o`) and for service keys. The policy table's own interval
 * starts are boundaries too, so every elementary interval also lies in one segment.
 */
import { lastAtOrBelow } from '../lookup/search.js';
import type { DecisionTable } from '../lookup/table.js';
import { mergeRanges, tableIndex } from '../check/ranges.js';
import { KEY_SPACE } from '../model/services.js';
import type { AddressSet, Device, DeviceRule } from '../device/types.js';
import { allBits, andInto, isEmpty, newBits, notBits, refine, setBit, type Bits } from './refine.js';

const V4_END = 2 ** 32;
const V6_END = 1n << 128n;

/** Which interfaces lie in front of which segments; null: no interfaces file (all flows cross). */
export interface InterfaceMap {
  /** Interface or zone names, in the file's order. */
  names: string[];
  /** Per segment: the index of the interface behind which it lies, or -1 for none. */
  segmentIface: Int32Array;
}

export interface AddressSide {
  starts4: Float64Array;
  starts6: bigint[];
  /** Per elementary interval (IPv4 first, then IPv6), its segment (-1: ::ffff:0:0/96) and class. */
  seg: Int32Array;
  cls: Int32Array;
  classes: number;
  /** Per class. */
  family: Uint8Array;
  iface: Int32Array;
  /** Per class, its lowest elementary interval. */
  first: Int32Array;
  /** Number of IPv4 elementary intervals (IPv6 ones follow). */
  n4: number;
}

export interface ServiceSide {
  starts: Float64Array;
  /** Per elementary interval: the policy table's service class and the device's. */
  tableClass: Int32Array;
  cls: Int32Array;
  classes: number;
}

export interface CompiledRule {
  /** Global index (rules of every chain, chains in the device's order). */
  index: number;
  chain: number;
  rule: DeviceRule;
  /** null: every class. */
  src: Bits | null;
  dst: Bits | null;
  svc: Bits | null;
  /** A `never` condition (e.g. ESTABLISHED only): the reason. */
  never: string | null;
  /** Whether the rule can match anything at all. */
  empty: boolean;
  /** For refining destination classes: the classes where dst holds, or where it fails (fewer). */
  dstSplit: Int32Array | null;
  target: number;
  /** For jump and goto: the target chain's index. */
  to: number;
}

export const T_ACCEPT = 0;
export const T_DROP = 1;
export const T_JUMP = 2;
export const T_GOTO = 3;
export const T_RETURN = 4;
export const T_CONTINUE = 5;

export interface CompiledDevice {
  device: Device;
  src: AddressSide;
  dst: AddressSide;
  svc: ServiceSide;
  chains: { name: string; policy: 'accept' | 'drop' | null; rules: number[] }[];
  chainIndex: Map<string, number>;
  entries: number[];
  rules: CompiledRule[];
  interfaces: InterfaceMap | null;
}

/** A device that cannot be audited as given: what and where (FILE:LINE of the device). */
export class AuditInputError extends Error {
  override name = 'AuditInputError';
  constructor(
    message: string,
    readonly loc: { file: string; line: number; col: number } | null,
    readonly code: string,
  ) {
    super(message);
  }
}

function setKey(s: AddressSet): string {
  return `${s.v4.map((r) => `${r.lo}-${r.hi}`).join(',')}|${s.v6.map((r) => `${r.lo}-${r.hi}`).join(',')}`;
}

function uniqueSorted<T extends number | bigint>(xs: T[]): T[] {
  xs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: T[] = [];
  for (const x of xs) if (out.length === 0 || out[out.length - 1] !== x) out.push(x);
  return out;
}

function addressSide(table: DecisionTable, ifaces: InterfaceMap | null, sets: AddressSet[]): { side: AddressSide; members: Bits[] } {
  const ix = tableIndex(table);
  const b4: number[] = Array.from(table.v4Starts);
  const b6: bigint[] = [...ix.v6Starts];
  for (const s of sets) {
    for (const r of s.v4) {
      b4.push(r.lo);
      if (r.hi + 1 < V4_END) b4.push(r.hi + 1);
    }
    for (const r of s.v6) {
      b6.push(r.lo);
      if (r.hi + 1n < V6_END) b6.push(r.hi + 1n);
    }
  }
  const starts4 = uniqueSorted(b4);
  const starts6 = uniqueSorted(b6);
  const n4 = starts4.length;
  const n = n4 + starts6.length;
  const seg = new Int32Array(n);
  for (let i = 0; i < n4; i++) seg[i] = table.v4Segments[lastAtOrBelow(table.v4Starts, starts4[i]!)]!;
  for (let i = 0; i < starts6.length; i++) seg[n4 + i] = table.v6Segments[lastAtOrBelow(ix.v6Starts, starts6[i]!)]!;
  // Initial classes: (family, interface). IPv4-mapped IPv6 addresses are IPv4 to the policy;
  // they are left out of the device's IPv6 classes (-1).
  const nIf = ifaces ? ifaces.names.length + 1 : 1;
  const initial = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = seg[i]!;
    if (s < 0) {
      initial[i] = -1;
      continue;
    }
    const f = ifaces ? ifaces.segmentIface[s]! + 1 : 0;
    initial[i] = (i < n4 ? 0 : nIf) + f;
  }
  const spans = sets.map((s) => {
    const out: number[] = [];
    for (const r of s.v4) out.push(lastAtOrBelow(starts4, r.lo), lastAtOrBelow(starts4, r.hi));
    for (const r of s.v6) out.push(n4 + lastAtOrBelow(starts6, r.lo), n4 + lastAtOrBelow(starts6, r.hi));
    return Int32Array.from(out);
  });
  const ref = refine(initial, spans);
  const family = new Uint8Array(ref.classes);
  const iface = new Int32Array(ref.classes);
  for (let c = 0; c < ref.classes; c++) {
    const i = ref.first[c]!;
    family[c] = i < n4 ? 4 : 6;
    iface[c] = ifaces ? ifaces.segmentIface[seg[i]!]! : 0;
  }
  return {
    side: { starts4: Float64Array.from(starts4), starts6, seg, cls: ref.cls, classes: ref.classes, family, iface, first: ref.first, n4 },
    members: ref.members,
  };
}

function serviceSide(table: DecisionTable, sets: { lo: number; hi: number }[][]): { side: ServiceSide; members: Bits[] } {
  const b: number[] = Array.from(table.serviceStarts);
  for (const s of sets) {
    for (const r of s) {
      b.push(r.lo);
      if (r.hi + 1 < KEY_SPACE) b.push(r.hi + 1);
    }
  }
  const starts = uniqueSorted(b);
  const tableClass = new Int32Array(starts.length);
  for (let i = 0; i < starts.length; i++) tableClass[i] = table.serviceIntervalClass[lastAtOrBelow(table.serviceStarts, starts[i]!)]!;
  const spans = sets.map((s) => {
    const out: number[] = [];
    for (const r of s) out.push(lastAtOrBelow(starts, r.lo), lastAtOrBelow(starts, r.hi));
    return Int32Array.from(out);
  });
  const ref = refine(new Int32Array(starts.length), spans);
  return { side: { starts: Float64Array.from(starts), tableClass, cls: ref.cls, classes: ref.classes }, members: ref.members };
}

const TARGETS = { accept: T_ACCEPT, drop: T_DROP, jump: T_JUMP, goto: T_GOTO, return: T_RETURN, continue: T_CONTINUE } as const;

/**
 * Compiles a device against a table and an interfaces mapping. Throws AuditInputError for what
 * cannot be audited: an interface the mapping lacks, a chain that does not exist, a chain loop.
 */
export function compileDevice(device: Device, table: DecisionTable, ifaces: InterfaceMap | null): CompiledDevice {
  const chainList = [...device.chains.values()];
  const chainIndex = new Map(chainList.map((c, i) => [c.name, i]));
  const srcSets = new Map<string, number>();
  const dstSets = new Map<string, number>();
  const svcSets = new Map<string, number>();
  const srcList: AddressSet[] = [];
  const dstList: AddressSet[] = [];
  const svcList: { lo: number; hi: number }[][] = [];
  const ifaceIndex = new Map((ifaces?.names ?? []).map((n, i) => [n, i]));
  const intern = <T>(map: Map<string, number>, list: T[], key: string, value: T): number => {
    let id = map.get(key);
    if (id === undefined) {
      id = list.length;
      map.set(key, id);
      list.push(value);
    }
    return id;
  };
  const flat: { rule: DeviceRule; chain: number }[] = [];
  chainList.forEach((c, ci) => {
    for (const rule of c.rules) flat.push({ rule, chain: ci });
  });
  // Parsers may hand over ranges unsorted or overlapping (a port listed twice); refinement
  // counts each interval once per set, so every set is merged first.
  const merged = new Map<object, AddressSet | { lo: number; hi: number }[]>();
  const addrSet = (s: AddressSet): AddressSet => {
    let m = merged.get(s) as AddressSet | undefined;
    if (!m) merged.set(s, (m = { v4: mergeRanges(s.v4), v6: mergeRanges(s.v6) }));
    return m;
  };
  const svcSet = (r: { lo: number; hi: number }[]): { lo: number; hi: number }[] => {
    let m = merged.get(r) as { lo: number; hi: number }[] | undefined;
    if (!m) merged.set(r, (m = mergeRanges(r)));
    return m;
  };
  const svcKey = (r: { lo: number; hi: number }[]): string =>
    svcSet(r)
      .map((x) => `${x.lo}-${x.hi}`)
      .join(',');
  for (const { rule } of flat) {
    for (const c of rule.conditions) {
      if (c.kind === 'src') intern(srcSets, srcList, setKey(addrSet(c.set)), addrSet(c.set));
      else if (c.kind === 'dst') intern(dstSets, dstList, setKey(addrSet(c.set)), addrSet(c.set));
      else if (c.kind === 'service') intern(svcSets, svcList, svcKey(c.ranges), svcSet(c.ranges));
      else if (c.kind === 'in' || c.kind === 'out') {
        for (const name of c.names) {
          if (!ifaces) {
            throw new AuditInputError(
              `${c.kind === 'in' ? 'input' : 'output'} interface or zone "${name}" needs an interfaces file (--interfaces) saying which segments lie behind it`,
              rule.loc,
              'AUDIT-INTERFACE-UNMAPPED',
            );
          }
          // A trailing + is the kernel's prefix wildcard (iptables `-i lan+`, nft `"lan*"`): it
          // stands for every mapped name it matches, and for nothing when it matches none.
          if (!name.endsWith('+') && !ifaceIndex.has(name)) {
            throw new AuditInputError(`interface or zone "${name}" is not in the interfaces file; map it to the segments behind it`, rule.loc, 'AUDIT-INTERFACE-UNMAPPED');
          }
        }
      }
    }
    const t = rule.target;
    if ((t.kind === 'jump' || t.kind === 'goto') && !chainIndex.has(t.chain)) {
      throw new AuditInputError(`${t.kind} to chain "${t.chain}", which the configuration does not define`, rule.loc, 'DEVICE-REFERENCE');
    }
  }
  for (const e of device.entry) {
    if (!chainIndex.has(e)) throw new AuditInputError(`entry chain "${e}" is not defined`, null, 'DEVICE-REFERENCE');
  }
  const S = addressSide(table, ifaces, srcList);
  const D = addressSide(table, ifaces, dstList);
  const V = serviceSide(table, svcList);

  const ifaceBits = (side: AddressSide, names: string[]): Bits => {
    const want = new Set<number>();
    for (const n of names) {
      if (n.endsWith('+')) {
        const prefix = n.slice(0, -1);
        ifaceIndex.forEach((i, name) => {
          if (name.startsWith(prefix)) want.add(i);
        });
      } else want.add(ifaceIndex.get(n)!);
    }
    const b = newBits(side.classes);
    for (let c = 0; c < side.classes; c++) if (want.has(side.iface[c]!)) setBit(b, c);
    return b;
  };
  const familyBits = (side: AddressSide, f: 4 | 6): Bits => {
    const b = newBits(side.classes);
    for (let c = 0; c < side.classes; c++) if (side.family[c] === f) setBit(b, c);
    return b;
  };
  const conj = (acc: Bits | null, b: Bits, negate: boolean, n: number): Bits => {
    const x = negate ? notBits(b, n) : Uint32Array.from(b);
    if (acc) andInto(acc, x);
    return acc ?? x;
  };

  const rules: CompiledRule[] = flat.map(({ rule, chain }, index) => {
    let src: Bits | null = null;
    let dst: Bits | null = null;
    let svc: Bits | null = null;
    let never: string | null = null;
    for (const c of rule.conditions) {
      switch (c.kind) {
        case 'never':
          never = c.why;
          break;
        case 'src':
          src = conj(src, S.members[srcSets.get(setKey(addrSet(c.set)))!]!, c.negate, S.side.classes);
          break;
        case 'dst':
          dst = conj(dst, D.members[dstSets.get(setKey(addrSet(c.set)))!]!, c.negate, D.side.classes);
          break;
        case 'service':
          svc = conj(svc, V.members[svcSets.get(svcKey(c.ranges))!]!, c.negate, V.side.classes);
          break;
        case 'in':
          src = conj(src, ifaceBits(S.side, c.names), c.negate, S.side.classes);
          break;
        case 'out':
          dst = conj(dst, ifaceBits(D.side, c.names), c.negate, D.side.classes);
          break;
        case 'family':
          src = conj(src, familyBits(S.side, c.family), c.negate, S.side.classes);
          break;
      }
    }
    const empty = never !== null || (src !== null && isEmpty(src)) || (dst !== null && isEmpty(dst)) || (svc !== null && isEmpty(svc));
    let dstSplit: Int32Array | null = null;
    if (dst && !empty) {
      // The classes where it holds, or where it fails when those are fewer (a negated set).
      let ones = 0;
      for (let w = 0; w < dst.length; w++) ones += popcount(dst[w]!);
      const n = D.side.classes;
      if (ones < n) {
        const want = ones * 2 <= n ? dst : notBits(dst, n);
        const list: number[] = [];
        for (let w = 0; w < want.length; w++) {
          let x = want[w]!;
          while (x !== 0) {
            const low = x & -x;
            list.push((w << 5) + 31 - Math.clz32(low));
            x ^= low;
          }
        }
        dstSplit = Int32Array.from(list);
      }
    }
    const t = rule.target;
    return {
      index,
      chain,
      rule,
      src,
      dst,
      svc,
      never,
      empty,
      dstSplit,
      target: TARGETS[t.kind],
      to: t.kind === 'jump' || t.kind === 'goto' ? chainIndex.get(t.chain)! : -1,
    };
  });
  const chains = chainList.map((c) => ({ name: c.name, policy: c.policy, rules: [] as number[] }));
  for (const r of rules) chains[r.chain]!.rules.push(r.index);
  checkLoops(chains, rules);
  return {
    device,
    src: S.side,
    dst: D.side,
    svc: V.side,
    chains,
    chainIndex,
    entries: device.entry.map((e) => chainIndex.get(e)!),
    rules,
    interfaces: ifaces,
  };
}

/** A chain that jumps back into itself would never end: refused, naming a rule of the loop. */
function checkLoops(chains: { rules: number[] }[], rules: CompiledRule[]): void {
  const state = new Uint8Array(chains.length);
  const visit = (c: number): void => {
    state[c] = 1;
    for (const r of chains[c]!.rules) {
      const to = rules[r]!.to;
      if (to < 0) continue;
      if (state[to] === 1) throw new AuditInputError(`chains jump into each other in a loop (through this rule)`, rules[r]!.rule.loc, 'DEVICE-LOOP');
      if (state[to] === 0) visit(to);
    }
    state[c] = 2;
  };
  for (let c = 0; c < chains.length; c++) if (state[c] === 0) visit(c);
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Every class of a side, as bits. */
export function everyClass(n: number): Bits {
  return allBits(n);
}
