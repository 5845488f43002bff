/**
 * Byte-level field readers the log readers share: a value is read where it lies in the chunk
 * (buf[from, to)), with no string made of it on the usual path. A dotted quad is read by the
 * batch reader's own byte parser (lookup/parse-bytes.ts); IPv6 and every error go through the
 * string parsers of lookup/flow.ts, so an address means here what it means to `decide`.
 * uint() stays apart from parse-bytes' decimal reader on purpose: logs zero-pad numbers, the
 * batch's flow services must not.
 */
import { FlowResult, parseAddress, parseFlowService } from '../lookup/flow.js';
import { NOT_V4, v4Value } from '../lookup/parse-bytes.js';
import type { FlowRecord } from './record.js';

const WORDS = new Uint32Array(4);
const SERVICE = new FlowResult();

/** Latin-1 text of buf[from, to): for the rare paths (IPv6, errors); ASCII is what matters. */
export function text(buf: Uint8Array, from: number, to: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + from, to - from).toString('latin1');
}

/**
 * The address in buf[from, to) into rec (side 0 source, 1 destination). Returns null, or the
 * reason parseAddress gives (prefixed with the field's name by the caller).
 */
export function address(buf: Uint8Array, from: number, to: number, rec: FlowRecord, side: 0 | 1): string | null {
  const a = v4Value(buf, from, to);
  const words = side === 0 ? rec.src : rec.dst;
  if (a !== NOT_V4) {
    words[0] = 0;
    words[1] = 0;
    words[2] = 0xffff;
    words[3] = a;
    if (side === 0) rec.src4 = a;
    else rec.dst4 = a;
    return null;
  }
  const err = parseAddress(text(buf, from, to), WORDS);
  if (err !== null) return err;
  words.set(WORDS);
  return null;
}

/** Sets rec.v4 from the two addresses (both IPv4 or IPv4-mapped). */
export function settle(rec: FlowRecord): void {
  const s = rec.src;
  const d = rec.dst;
  rec.v4 = s[0] === 0 && s[1] === 0 && s[2] === 0xffff && d[0] === 0 && d[1] === 0 && d[2] === 0xffff;
  if (rec.v4) {
    rec.src4 = s[3]! | 0;
    rec.dst4 = d[3]! | 0;
  }
}

/** Decimal digits in buf[from, to) (leading zeros allowed: logs write what they write); -1 if not. */
export function uint(buf: Uint8Array, from: number, to: number, maxDigits: number): number {
  const n = to - from;
  if (n === 0 || n > maxDigits) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = buf[i]! - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Whether buf[from, to) is exactly the ASCII word (case-sensitive). */
export function is(buf: Uint8Array, from: number, to: number, word: string): boolean {
  if (to - from !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (buf[from + i] !== word.charCodeAt(i)) return false;
  return true;
}

/** Same, ASCII letters compared without case. */
export function isNoCase(buf: Uint8Array, from: number, to: number, word: string): boolean {
  if (to - from !== word.length) return false;
  for (let i = 0; i < word.length; i++) if ((buf[from + i]! | 0x20) !== (word.charCodeAt(i) | 0x20)) return false;
  return true;
}

/**
 * A protocol as logs write it: a number 0-255, or a name (TCP, udp, ICMP, ICMPv6, ICMP6,
 * IPV6-ICMP, SCTP, GRE, ESP, AH, IGMP, UDPLITE), case-insensitive; -1 if not.
 */
export function protocol(buf: Uint8Array, from: number, to: number): number {
  const n = uint(buf, from, to, 3);
  if (n >= 0) return n <= 255 ? n : -1;
  switch (to - from) {
    case 2:
      return isNoCase(buf, from, to, 'ah') ? 51 : -1;
    case 3:
      if (isNoCase(buf, from, to, 'tcp')) return 6;
      if (isNoCase(buf, from, to, 'udp')) return 17;
      if (isNoCase(buf, from, to, 'gre')) return 47;
      if (isNoCase(buf, from, to, 'esp')) return 50;
      return -1;
    case 4:
      if (isNoCase(buf, from, to, 'icmp')) return 1;
      if (isNoCase(buf, from, to, 'igmp')) return 2;
      if (isNoCase(buf, from, to, 'sctp')) return 132;
      return -1;
    case 5:
      return isNoCase(buf, from, to, 'icmp6') ? 58 : -1;
    case 6:
      return isNoCase(buf, from, to, 'icmpv6') ? 58 : -1;
    case 7:
      return isNoCase(buf, from, to, 'udplite') ? 136 : -1;
    case 9:
      return isNoCase(buf, from, to, 'ipv6-icmp') ? 58 : -1;
    default:
      return -1;
  }
}

/** Sets rec.proto and rec.port from a protocol and a destination port (-1: none given). */
export function service(rec: FlowRecord, proto: number, port: number, errors: { noPort: string; port: string }): string | null {
  rec.proto = proto;
  if (proto === 6 || proto === 17) {
    if (port < 0) return errors.noPort;
    if (port < 1 || port > 65535) return errors.port;
    rec.port = port;
  } else rec.port = 0;
  return null;
}

/** A service written as a flow service (tcp/443), through the decide parser; null or its reason. */
export function flowService(value: string, rec: FlowRecord): string | null {
  const err = parseFlowService(value, SERVICE);
  if (err !== null) return err;
  rec.proto = SERVICE.proto;
  rec.port = SERVICE.port;
  return null;
}
