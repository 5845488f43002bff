/**
 * The one address reader of every device parser (iptables-save, nft, FortiOS, Yamaha RTX, ASA,
 * PAN-OS): IPv4 and IPv6 addresses, prefixes, dotted masks and `lo-hi` ranges turned into the
 * device model's numbers (device/types.ts), and the address sets the parsers build from them.
 *
 * Every reader returns null (or a reason) for text it cannot read exactly: the parsers turn that
 * into DEVICE-SYNTAX at the token's FILE:LINE:COL, never into a guess. Where the devices' dialects
 * differ (whether a prefix length may be zero-padded, whether a dotted mask may follow the slash)
 * the caller says which it reads, so each parser reads exactly what it read before the readers
 * were one.
 */
import { parseDecimal, type Spelling } from './decimal.js';
import type { AddressSet, Range4, Range6 } from './types.js';

export const MAX4 = 0xffffffff;
export const MAX6 = (1n << 128n) - 1n;

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseV4(text: string): number | null {
  const m = V4.exec(text);
  if (!m) return null;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) return null;
    n = n * 256 + o;
  }
  return n;
}

export function parseV6(text: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.length > 45) return null;
  let t = text;
  const lastColon = t.lastIndexOf(':');
  if (lastColon < 0) return null;
  // An embedded IPv4 tail (::ffff:198.18.0.1) becomes two hex groups.
  const tail = t.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseV4(tail);
    if (v4 === null) return null;
    t = `${t.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = t.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const rest = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : [];
  // Checked before the fill below: more than seven groups around `::` would make its length negative.
  if (halves.length === 2 && head.length + rest.length > 7) return null;
  const groups = halves.length === 2 ? [...head, ...Array<string>(8 - head.length - rest.length).fill('0'), ...rest] : head;
  if (groups.length !== 8) return null;
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  return n;
}

export type Family = 4 | 6;

/** The family an address text is written in, or null when it is neither. */
export function familyOf(text: string): Family | null {
  const bare = text.split('/')[0]!.split('-')[0]!;
  if (parseV4(bare) !== null) return 4;
  if (parseV6(bare) !== null) return 6;
  return null;
}

export type ParsedRange = { family: 4; range: Range4 } | { family: 6; range: Range6 };

/** The network of `a/len`: host bits are masked off, as the devices do when they compare. */
export function prefix4(a: number, len: number): Range4 {
  const size = 2 ** (32 - len);
  const lo = Math.floor(a / size) * size;
  return { lo, hi: lo + size - 1 };
}

export function prefix6(a: bigint, len: number): Range6 {
  const host = (1n << BigInt(128 - len)) - 1n;
  const lo = a & (MAX6 ^ host);
  return { lo, hi: lo | host };
}

/** A dotted v4 mask's prefix length, or null when the mask is not contiguous. */
export function maskLength(mask: number): number | null {
  for (let len = 0; len <= 32; len++) {
    const m = len === 0 ? 0 : (MAX4 << (32 - len)) >>> 0;
    if (m === mask) return len;
  }
  return null;
}

export interface PrefixDialect {
  /** How the prefix length may be spelled (default `plain`: no leading zero). */
  lengths?: Spelling;
  /** Whether `a.b.c.d/m.m.m.m` is read (default yes; PAN-OS writes no dotted masks). */
  masks?: boolean;
}

/**
 * `a.b.c.d/nn`, `a.b.c.d/m.m.m.m` or `a.b.c.d` (a host). Host bits are allowed (devices print
 * `192.0.2.1/24` for an interface-ish subnet); the range is the whole network, as the devices
 * match it.
 */
export function parseV4Prefix(text: string, dialect: PrefixDialect = {}): Range4 | null {
  const slash = text.indexOf('/');
  if (slash < 0) {
    const a = parseV4(text);
    return a === null ? null : { lo: a, hi: a };
  }
  const a = parseV4(text.slice(0, slash));
  if (a === null) return null;
  const m = text.slice(slash + 1);
  let len = parseDecimal(m, 32, dialect.lengths ?? 'plain');
  if (len === null && dialect.masks !== false) {
    const mask = parseV4(m);
    len = mask === null ? null : maskLength(mask);
  }
  return len === null ? null : prefix4(a, len);
}

/** A v4 address and a dotted mask given as two words (FortiOS subnet, ASA network-object). */
export function parseV4AddrMask(addr: string, mask: string): Range4 | null {
  const a = parseV4(addr);
  const m = parseV4(mask);
  if (a === null || m === null) return null;
  const len = maskLength(m);
  return len === null ? null : prefix4(a, len);
}

/** `x::y/nn` or `x::y` (a host). */
export function parseV6Prefix(text: string, lengths: Spelling = 'plain'): Range6 | null {
  const slash = text.indexOf('/');
  if (slash < 0) {
    const a = parseV6(text);
    return a === null ? null : { lo: a, hi: a };
  }
  const a = parseV6(text.slice(0, slash));
  const len = parseDecimal(text.slice(slash + 1), 128, lengths);
  return a === null || len === null ? null : prefix6(a, len);
}

/**
 * `lo-hi`, both ends of one family, split at the first dash: the range, `upside-down` when
 * hi < lo (some parsers say so apart), or null.
 */
export function parseSpan(text: string): ParsedRange | 'upside-down' | null {
  const dash = text.indexOf('-');
  if (dash < 0) return null;
  const a = text.slice(0, dash);
  const b = text.slice(dash + 1);
  const a4 = parseV4(a);
  const b4 = parseV4(b);
  if (a4 !== null && b4 !== null) return a4 <= b4 ? { family: 4, range: { lo: a4, hi: b4 } } : 'upside-down';
  const a6 = parseV6(a);
  const b6 = parseV6(b);
  if (a6 !== null && b6 !== null) return a6 <= b6 ? { family: 6, range: { lo: a6, hi: b6 } } : 'upside-down';
  return null;
}

/** iptables-save and nft print prefix lengths as plain numbers, but have always been read padded. */
const LINUX: PrefixDialect = { lengths: 'padded' };

/**
 * As iptables-save and nft print an address: an address, `addr/len`, `addr/dotted-mask`
 * (iptables), or `lo-hi` (iprange, nft ranges), of either family; or the reason it is none.
 */
export function parseAddressRange(text: string): ParsedRange | string {
  if (text.indexOf('-') > 0) {
    const span = parseSpan(text);
    if (span === 'upside-down') return `address range "${text}" is upside down`;
    return span ?? `"${text}" is not an address range`;
  }
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const len = text.slice(slash + 1);
  if (parseV4(addr) !== null) {
    const range = parseV4Prefix(text, LINUX);
    return range ? { family: 4, range } : `"${text}": "${len}" is not a prefix length or a contiguous mask`;
  }
  if (parseV6(addr) !== null) {
    const range = parseV6Prefix(text, 'padded');
    return range ? { family: 6, range } : `"${text}": "${len}" is not a prefix length`;
  }
  return `"${text}" is not an IPv4 or IPv6 address`;
}

// ——— sets ———

export function emptySet(): AddressSet {
  return { v4: [], v6: [] };
}

export function addToSet(set: AddressSet, r: ParsedRange): void {
  if (r.family === 4) set.v4.push(r.range);
  else set.v6.push(r.range);
}

export function anySet(): AddressSet {
  return { v4: [{ lo: 0, hi: MAX4 }], v6: [{ lo: 0n, hi: MAX6 }] };
}

export function anySet4(): AddressSet {
  return { v4: [{ lo: 0, hi: MAX4 }], v6: [] };
}

export function anySet6(): AddressSet {
  return { v4: [], v6: [{ lo: 0n, hi: MAX6 }] };
}

/** The union of sets (ranges are kept as they come; the audit merges them). */
export function unionSets(sets: readonly AddressSet[]): AddressSet {
  return { v4: sets.flatMap((s) => s.v4), v6: sets.flatMap((s) => s.v6) };
}

/** Whether a set holds every address of both families (so a condition on it says nothing). */
export function coversAll(set: AddressSet): boolean {
  return set.v4.some((r) => r.lo === 0 && r.hi === MAX4) && set.v6.some((r) => r.lo === 0n && r.hi === MAX6);
}
