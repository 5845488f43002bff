/**
 * Protocols and ports as every device parser reads them, turned into the policy's service keys
 * (proto * 65536 + port). Returns null for text it cannot read exactly; the parsers turn that
 * into DEVICE-SYNTAX. Zero-padded numbers: see decimal.ts.
 */
import type { ServiceRange } from '../model/types.js';
import { parseDecimal, type Spelling } from './decimal.js';

export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_ICMPV6 = 58;

/** Protocols whose port a destination-port match reads and the policy's key space keeps. */
export const PORT_PROTOCOLS: readonly number[] = [PROTO_TCP, PROTO_UDP];

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

/**
 * A name's number in a table of names, or null. Own keys only: `x in table` and `table[x]` also
 * find what every object inherits (`constructor`, `toString`), which would make a function of a
 * protocol or a port instead of an error.
 */
export function named(table: Readonly<Record<string, number>>, name: string): number | null {
  return Object.hasOwn(table, name) ? table[name]! : null;
}

/**
 * A protocol name (iptables-save, nft) or number 0–255 (a number from nft's JSON, or digits),
 * or null. Anything else nft's JSON might hold is null too.
 */
export function parseProtocol(text: string | number): number | null {
  if (typeof text === 'number') return Number.isInteger(text) && text >= 0 && text <= 255 ? text : null;
  if (typeof text !== 'string') return null;
  return parseDecimal(text, 255, 'padded') ?? named(PROTOCOLS, text.toLowerCase());
}

/** A port 0–65535, as text or (from nft's JSON) a number, or null. */
export function parsePort(text: string | number, spelling: Spelling = 'plain'): number | null {
  if (typeof text === 'number') return Number.isInteger(text) && text >= 0 && text <= 65535 ? text : null;
  if (typeof text !== 'string') return null;
  return parseDecimal(text, 65535, spelling);
}

export interface PortRange {
  lo: number;
  hi: number;
}

/** `n` or `a-b` (a ≤ b), or null. */
export function parsePortSpan(text: string): PortRange | null {
  const dash = text.indexOf('-');
  if (dash < 0) {
    const p = parsePort(text);
    return p === null ? null : { lo: p, hi: p };
  }
  const lo = parsePort(text.slice(0, dash));
  const hi = parsePort(text.slice(dash + 1));
  if (lo === null || hi === null || hi < lo) return null;
  return { lo, hi };
}

/** Whether a source-port span is every port (then it restricts nothing). */
export function isEveryPort(span: PortRange): boolean {
  return span.lo <= 1 && span.hi === 65535;
}

/** Every key of one protocol (all its ports, or its one portless key and the unused rest). */
export function protoRange(proto: number): ServiceRange {
  return { lo: proto * 65536, hi: proto * 65536 + 65535 };
}

export function portRange(proto: number, lo: number, hi: number): ServiceRange {
  return { lo: proto * 65536 + lo, hi: proto * 65536 + hi };
}

/** Port ranges of some protocols as service key ranges. */
export function portsToKeys(protos: readonly number[], ports: readonly PortRange[]): ServiceRange[] {
  const out: ServiceRange[] = [];
  for (const p of protos) for (const r of ports) out.push(portRange(p, r.lo, r.hi));
  return out;
}
