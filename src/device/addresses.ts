/**
 * Address, protocol and port text as Linux firewalls print it, turned into the device model's
 * numbers (device/types.ts). Shared by the iptables-save and nft parsers so both read
 * `198.18.0.0/24`, `2001:db8::/32`, `tcp` and `ipv6-icmp` the same way. Every function returns
 * null (or a reason) for text it cannot read exactly: the parsers turn that into DEVICE-SYNTAX.
 */
import type { ServiceRange } from '../model/types.js';
import type { AddressSet, Range4, Range6 } from './types.js';

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const MAX6 = (1n << 128n) - 1n;

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
  // An embedded IPv4 tail (::ffff:198.18.0.1) becomes two hex groups.
  const lastColon = t.lastIndexOf(':');
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
  const groups = halves.length === 2 ? [...head, ...Array<string>(8 - head.length - rest.length).fill('0'), ...rest] : head;
  if (groups.length !== 8 || (halves.length === 2 && head.length + rest.length > 7)) return null;
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

function prefixRange4(a: number, len: number): Range4 {
  const size = 2 ** (32 - len);
  const lo = Math.floor(a / size) * size;
  return { lo, hi: lo + size - 1 };
}

function prefixRange6(a: bigint, len: number): Range6 {
  const host = (1n << BigInt(128 - len)) - 1n;
  const lo = a & (MAX6 ^ host);
  return { lo, hi: lo | host };
}

/** A v4 dotted mask's prefix length, or null when the mask is not contiguous. */
function maskLength(mask: number): number | null {
  for (let len = 0; len <= 32; len++) {
    const m = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    if (m === mask) return len;
  }
  return null;
}

/**
 * An address, `addr/len`, `addr/dotted-mask` (iptables), or `lo-hi` (iprange, nft ranges). Host
 * bits under a prefix are masked off, as the kernel does when it compares.
 */
export function parseAddressRange(text: string): ParsedRange | string {
  const dash = text.indexOf('-');
  if (dash > 0) {
    const a = text.slice(0, dash);
    const b = text.slice(dash + 1);
    const a4 = parseV4(a);
    const b4 = parseV4(b);
    if (a4 !== null && b4 !== null) return a4 <= b4 ? { family: 4, range: { lo: a4, hi: b4 } } : `address range "${text}" is upside down`;
    const a6 = parseV6(a);
    const b6 = parseV6(b);
    if (a6 !== null && b6 !== null) return a6 <= b6 ? { family: 6, range: { lo: a6, hi: b6 } } : `address range "${text}" is upside down`;
    return `"${text}" is not an address range`;
  }
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const len = slash < 0 ? null : text.slice(slash + 1);
  const v4 = parseV4(addr);
  if (v4 !== null) {
    if (len === null) return { family: 4, range: { lo: v4, hi: v4 } };
    if (/^\d{1,2}$/.test(len) && Number(len) <= 32) return { family: 4, range: prefixRange4(v4, Number(len)) };
    const mask = parseV4(len);
    const ml = mask === null ? null : maskLength(mask);
    if (ml !== null) return { family: 4, range: prefixRange4(v4, ml) };
    return `"${text}": "${len}" is not a prefix length or a contiguous mask`;
  }
  const v6 = parseV6(addr);
  if (v6 !== null) {
    if (len === null) return { family: 6, range: { lo: v6, hi: v6 } };
    if (/^\d{1,3}$/.test(len) && Number(len) <= 128) return { family: 6, range: prefixRange6(v6, Number(len)) };
    return `"${text}": "${len}" is not a prefix length`;
  }
  return `"${text}" is not an IPv4 or IPv6 address`;
}

export function emptySet(): AddressSet {
  return { v4: [], v6: [] };
}

export function addToSet(set: AddressSet, r: ParsedRange): void {
  if (r.family === 4) set.v4.push(r.range);
  else set.v6.push(r.range);
}

/** Protocol names as iptables-save and nft print them (and /etc/protocols spells them). */
const PROTOCOLS: Record<string, number> = {
  icmp: 1,
  igmp: 2,
  tcp: 6,
  udp: 17,
  gre: 47,
  esp: 50,
  ah: 51,
  'ipv6-icmp': 58,
  icmpv6: 58,
  ospf: 89,
  ospfigp: 89,
  pim: 103,
  vrrp: 112,
  l2tp: 115,
  sctp: 132,
  udplite: 136,
  dccp: 33,
  ipip: 4,
  ipencap: 4,
  ipv6: 41,
};

/** A protocol name or number (0–255), or null. */
export function parseProtocol(text: string | number): number | null {
  if (typeof text === 'number') return Number.isInteger(text) && text >= 0 && text <= 255 ? text : null;
  if (/^\d{1,3}$/.test(text)) {
    const n = Number(text);
    return n <= 255 ? n : null;
  }
  return PROTOCOLS[text.toLowerCase()] ?? null;
}

/** Every service key of one protocol: the whole block proto * 65536 … + 65535. */
export function protocolBlock(proto: number): ServiceRange {
  return { lo: proto * 65536, hi: proto * 65536 + 65535 };
}

/** A port 0–65535 as text or number, or null. */
export function parsePort(text: string | number): number | null {
  if (typeof text === 'number') return Number.isInteger(text) && text >= 0 && text <= 65535 ? text : null;
  if (!/^\d{1,5}$/.test(text)) return null;
  const n = Number(text);
  return n <= 65535 ? n : null;
}

export interface PortRange {
  lo: number;
  hi: number;
}

/** Port ranges of some protocols as service key ranges. */
export function portsToKeys(protos: readonly number[], ports: readonly PortRange[]): ServiceRange[] {
  const out: ServiceRange[] = [];
  for (const p of protos) for (const r of ports) out.push({ lo: p * 65536 + r.lo, hi: p * 65536 + r.hi });
  return out;
}

/** Protocols whose port a destination-port match reads and the policy's key space keeps. */
export const PORT_PROTOCOLS: readonly number[] = [6, 17];
