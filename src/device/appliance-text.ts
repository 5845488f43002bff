/**
 * What the appliance parsers (FortiOS, Yamaha RTX, Cisco ASA, PAN-OS) share: splitting a line
 * into tokens that remember their column, reading addresses, masks and ranges into the device
 * model's numbers, port ranges into service keys, and one reporter that decides what `--lenient`
 * does (an error becomes a warning; the parser then goes on as docs/audit-vendors.md says).
 *
 * Every reader returns null (or a reason) for text it cannot read exactly: the parsers turn that
 * into DEVICE-SYNTAX at the token's FILE:LINE:COL, never into a guess.
 */
import type { ServiceRange } from '../model/types.js';
import type { ProblemCode } from '../problems/codes.js';
import type { AddressSet, DeviceLocation, DeviceProblem, Range4, Range6 } from './types.js';

export const MAX4 = 0xffffffff;
export const MAX6 = (1n << 128n) - 1n;

// ——— problems ———

/** The device-configuration codes the appliance parsers emit (src/problems/codes.ts). */
export type ApplianceCode = Extract<ProblemCode, `DEVICE-${string}`>;

export class ApplianceReporter {
  readonly problems: DeviceProblem[] = [];
  constructor(readonly lenient: boolean) {}

  /** A problem that --lenient turns into a warning. */
  fail(code: ApplianceCode, loc: DeviceLocation, message: string): void {
    this.problems.push({ severity: this.lenient ? 'warning' : 'error', code, message, loc });
  }

  /** Stays an error even with --lenient: the device cannot be built at all. */
  fatal(code: ApplianceCode, loc: DeviceLocation, message: string): void {
    this.problems.push({ severity: 'error', code, message, loc });
  }

  /** Always a warning: the parser knows exactly what it did and says so. */
  warn(code: ApplianceCode, loc: DeviceLocation, message: string): void {
    this.problems.push({ severity: 'warning', code, message, loc });
  }
}

// ——— tokens ———

export interface Token {
  text: string;
  /** 1-based column of the token's first character (its opening quote, if quoted). */
  col: number;
}

/**
 * Words separated by blanks; "double" (and, with `single`, 'single') quotes group words and are
 * removed, a backslash inside quotes escapes the next character (FortiOS writes `\"`).
 * Returns null for an unterminated quote.
 */
export function tokenize(line: string, single = false): Token[] | null {
  const out: Token[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    const col = i + 1;
    let text = '';
    while (i < n && line[i] !== ' ' && line[i] !== '\t' && line[i] !== '\r') {
      const q = line[i]!;
      if (q === '"' || (single && q === "'")) {
        i++;
        let closed = false;
        while (i < n) {
          const d = line[i]!;
          if (d === '\\' && i + 1 < n) {
            text += line[i + 1];
            i += 2;
            continue;
          }
          if (d === q) {
            closed = true;
            i++;
            break;
          }
          text += d;
          i++;
        }
        if (!closed) return null;
      } else {
        text += q;
        i++;
      }
    }
    out.push({ text, col });
  }
  return out;
}

/** The text split into lines, with \r\n and \r taken as line ends. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

// ——— addresses ———

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

const LEN = /^(0|[1-9]\d{0,2})$/;

/**
 * `a.b.c.d/nn`, `a.b.c.d/m.m.m.m` or `a.b.c.d` (a host). Host bits are allowed (devices print
 * `192.0.2.1/24` for an interface-ish subnet); the range is the whole network, as the devices
 * match it.
 */
export function parseV4Prefix(text: string): Range4 | null {
  const slash = text.indexOf('/');
  if (slash < 0) {
    const a = parseV4(text);
    return a === null ? null : { lo: a, hi: a };
  }
  const a = parseV4(text.slice(0, slash));
  if (a === null) return null;
  const m = text.slice(slash + 1);
  let len: number | null;
  if (LEN.test(m)) len = Number(m) <= 32 ? Number(m) : null;
  else {
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
export function parseV6Prefix(text: string): Range6 | null {
  const slash = text.indexOf('/');
  if (slash < 0) {
    const a = parseV6(text);
    return a === null ? null : { lo: a, hi: a };
  }
  const a = parseV6(text.slice(0, slash));
  const m = text.slice(slash + 1);
  if (a === null || !LEN.test(m) || Number(m) > 128) return null;
  return prefix6(a, Number(m));
}

export function emptySet(): AddressSet {
  return { v4: [], v6: [] };
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

// ——— services ———

export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_ICMPV6 = 58;

/** Every key of one protocol (all its ports, or its one portless key and the unused rest). */
export function protoRange(proto: number): ServiceRange {
  return { lo: proto * 65536, hi: proto * 65536 + 65535 };
}

export function portRange(proto: number, lo: number, hi: number): ServiceRange {
  return { lo: proto * 65536 + lo, hi: proto * 65536 + hi };
}

const PORT = /^(0|[1-9]\d{0,4})$/;

/** A port number 0–65535, or null. */
export function parsePort(text: string): number | null {
  if (!PORT.test(text)) return null;
  const n = Number(text);
  return n <= 65535 ? n : null;
}

/** `n` or `a-b` (a ≤ b), or null. */
export function parsePortSpan(text: string): { lo: number; hi: number } | null {
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
export function isEveryPort(span: { lo: number; hi: number }): boolean {
  return span.lo <= 1 && span.hi === 65535;
}

export function loc(file: string, line: number, col: number): DeviceLocation {
  return { file, line, col };
}
