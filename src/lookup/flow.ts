/**
 * A flow as text (two addresses and a service) → integers → a decision, without allocating on
 * the happy path: parsers walk char codes, results go into a reusable FlowResult, and errors are
 * constant strings. As strict as the rule files (docs/rules.md): an IPv4 octet with a leading zero or
 * above 255, a zone id, a port range or `any` is refused, never normalised.
 */
import type { DecisionTable } from './table.js';

export type FlowField = 'src' | 'dst' | 'service';

/** Reusable result of resolveFlow: one per caller, overwritten each call. */
export class FlowResult {
  srcSeg = -1;
  dstSeg = -1;
  /** IP protocol number and destination port (0 for protocols without ports). */
  proto = 0;
  port = 0;
  /** Decision id (table.decision(id)); -1 after an error. */
  decision = -1;
  /** After an error: which field, and why (a constant from FLOW_ERRORS). */
  field: FlowField | null = null;
  reason: string | null = null;
  /** Scratch for IPv6 words. */
  readonly words = new Uint32Array(4);
}

export const FLOW_ERRORS = {
  empty: 'empty',
  address: 'not an IPv4 or IPv6 address',
  leadingZero: 'an IPv4 octet has a leading zero (ambiguous: octal or decimal?)',
  octetRange: 'an IPv4 octet is greater than 255',
  zone: 'a zone id (%…) has no meaning here',
  v6: 'not a valid IPv6 address',
  service: 'not a flow service (write tcp/443, udp/53, icmp, icmpv6 or proto/47)',
  needsPort: 'tcp and udp need a port (tcp/443, udp/53)',
  portNumber: 'the port is not a number (1–65535, no leading zeros)',
  portRange: 'the port is out of range (1–65535)',
  onePort: 'a flow has one port, not a range',
  noPort: 'this protocol has no ports',
  protoNumber: 'proto/N takes a protocol number 0–255 (no leading zeros)',
  protoHasPorts: 'proto/6 and proto/17 are tcp and udp: write tcp/PORT or udp/PORT',
  any: 'a flow has one service, not any',
} as const;

const E = FLOW_ERRORS;
const GROUPS = new Uint16Array(8);

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Dotted quad in text[from, to) → words[3] (as unsigned 32 bits), or an error string. The value
 * goes into the array rather than back as a number: above 2^31 it would be boxed.
 */
function parseV4(text: string, from: number, to: number, words: Uint32Array): string | null {
  let value = 0;
  let i = from;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (i >= to || text.charCodeAt(i) !== 46) return E.address;
      i++;
    }
    const start = i;
    let n = 0;
    while (i < to && isDigit(text.charCodeAt(i)) && i - start < 4) n = n * 10 + (text.charCodeAt(i++) - 48);
    const len = i - start;
    if (len === 0 || len > 3) return E.address;
    if (len > 1 && text.charCodeAt(start) === 48) return E.leadingZero;
    if (n > 255) return E.octetRange;
    value = (value << 8) | n;
  }
  if (i !== to) return E.address;
  words[3] = value;
  return null;
}

/**
 * An address into words[0..3] (IPv4 as ::ffff:a.b.c.d, which resolves the same way).
 * Returns null or an error string.
 */
export function parseAddress(text: string, words: Uint32Array): string | null {
  const len = text.length;
  if (len === 0) return E.empty;
  let colon = false;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c === 58) colon = true;
    else if (c === 37) return E.zone;
  }
  if (!colon) {
    const err = parseV4(text, 0, len, words);
    if (err !== null) return err;
    words[0] = 0;
    words[1] = 0;
    words[2] = 0xffff;
    return null;
  }
  return parseV6(text, words);
}

function parseV6(text: string, words: Uint32Array): string | null {
  const len = text.length;
  if (len > 45) return E.v6;
  let n = 0; // groups written
  let gap = -1; // group index where "::" stands
  let i = 0;
  if (text.charCodeAt(0) === 58) {
    if (len < 2 || text.charCodeAt(1) !== 58) return E.v6;
    gap = 0;
    i = 2;
    if (i === len) {
      words.fill(0);
      return null;
    }
  }
  for (;;) {
    // One group: up to four hex digits, or an IPv4 tail in the last 32 bits.
    const start = i;
    let v = 0;
    while (i < len && i - start < 5) {
      const h = hexValue(text.charCodeAt(i));
      if (h < 0) break;
      v = v * 16 + h;
      i++;
    }
    if (i < len && text.charCodeAt(i) === 46) {
      if (n > 6) return E.v6;
      const err = parseV4(text, start, len, words);
      if (err !== null) return err === E.address ? E.v6 : err;
      const v4 = words[3]!;
      GROUPS[n++] = v4 >>> 16;
      GROUPS[n++] = v4 & 0xffff;
      i = len;
      break;
    }
    if (i === start || i - start > 4 || n >= 8) return E.v6;
    GROUPS[n++] = v;
    if (i === len) break;
    if (text.charCodeAt(i) !== 58) return E.v6;
    i++;
    if (i < len && text.charCodeAt(i) === 58) {
      if (gap >= 0) return E.v6;
      gap = n;
      i++;
      if (i === len) break;
    } else if (i === len) return E.v6;
  }
  if (gap < 0 ? n !== 8 : n > 7) return E.v6;
  // Expand: groups before the gap, zeros, groups after it.
  const tail = gap < 0 ? 0 : n - gap;
  const head = gap < 0 ? n : gap;
  for (let g = 0; g < 8; g++) {
    let value = 0;
    if (g < head) value = GROUPS[g]!;
    else if (g >= 8 - tail) value = GROUPS[g - (8 - tail) + head]!;
    if ((g & 1) === 0) words[g >> 1] = value << 16;
    else words[g >> 1] = (words[g >> 1]! | value) >>> 0;
  }
  return null;
}

/** Decimal without leading zeros in text[from, to), ≤ max digits; -1 if not. */
function decimal(text: string, from: number, to: number, maxDigits: number): number {
  const n = to - from;
  if (n === 0 || n > maxDigits) return -1;
  if (n > 1 && text.charCodeAt(from) === 48) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

/** A flow service into out.proto / out.port; null or an error string. */
export function parseFlowService(text: string, out: FlowResult): string | null {
  if (text === 'icmp') {
    out.proto = 1;
    out.port = 0;
    return null;
  }
  if (text === 'icmpv6') {
    out.proto = 58;
    out.port = 0;
    return null;
  }
  if (text === 'any') return E.any;
  const len = text.length;
  let proto = -1;
  if (text.startsWith('tcp')) proto = 6;
  else if (text.startsWith('udp')) proto = 17;
  if (proto > 0) {
    if (len === 3) return E.needsPort;
    if (text.charCodeAt(3) !== 47) return E.service;
    for (let i = 4; i < len; i++) if (text.charCodeAt(i) === 45) return E.onePort;
    const port = decimal(text, 4, len, 5);
    if (port < 0) return E.portNumber;
    if (port < 1 || port > 65535) return E.portRange;
    out.proto = proto;
    out.port = port;
    return null;
  }
  if (text.startsWith('icmp/') || text.startsWith('icmpv6/')) return E.noPort;
  if (text.startsWith('proto/')) {
    const slash = text.indexOf('/', 6);
    if (slash >= 0) return E.noPort;
    const p = decimal(text, 6, len, 3);
    if (p < 0 || p > 255) return E.protoNumber;
    if (p === 6 || p === 17) return E.protoHasPorts;
    out.proto = p;
    out.port = 0;
    return null;
  }
  return len === 0 ? E.empty : E.service;
}

function fail(out: FlowResult, field: FlowField, reason: string): false {
  out.field = field;
  out.reason = reason;
  out.decision = -1;
  return false;
}

/** Parses and decides one flow. True: out.srcSeg/dstSeg/proto/port/decision are set. */
export function resolveFlow(table: DecisionTable, src: string, dst: string, service: string, out: FlowResult): boolean {
  out.field = null;
  out.reason = null;
  const w = out.words;
  let err = parseAddress(src, w);
  if (err !== null) return fail(out, 'src', err);
  out.srcSeg = table.segment6(w, 0);
  err = parseAddress(dst, w);
  if (err !== null) return fail(out, 'dst', err);
  out.dstSeg = table.segment6(w, 0);
  err = parseFlowService(service, out);
  if (err !== null) return fail(out, 'service', err);
  out.decision = table.decideSegments(out.srcSeg, out.dstSeg, out.proto, out.port);
  return true;
}

/*
 * The same parsers over UTF-8 bytes, for the NDJSON batch: a request line is read where it lies
 * in the socket's Buffer, with no string made of it. They only ever accept — never explain: a
 * value they refuse goes to the string parsers above, whose answer (a decision or an error
 * string) is the contract. So each accepts a subset of what its string twin accepts, with the
 * same result (test/lookup/flow-bytes.test.ts), and refuses every byte outside ASCII.
 */

/** Dotted quad in buf[from, to) → words[w + 3]; false where parseV4 would give an error. */
function v4Bytes(buf: Uint8Array, from: number, to: number, words: Uint32Array, w: number): boolean {
  let value = 0;
  let i = from;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (i >= to || buf[i] !== 46) return false;
      i++;
    }
    const start = i;
    let n = 0;
    let c = 0;
    while (i < to && (c = buf[i]! - 48) >= 0 && c <= 9) {
      n = n * 10 + c;
      i++;
    }
    const len = i - start;
    if (len === 0 || len > 3 || (len > 1 && buf[start] === 48) || n > 255) return false;
    value = (value << 8) | n;
  }
  if (i !== to) return false;
  words[w + 3] = value;
  return true;
}

/** Per byte: its value as a hex digit, or -1. */
const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) HEX[97 + c] = HEX[65 + c] = 10 + c;
/** The eight groups of an IPv6 address being read. */
const GROUPS_B = new Int32Array(8);

/**
 * parseV6 over bytes, in one pass and with the gap closed in place. Its only departure, not
 * capping a group's digits at five, changes nothing it accepts: a group of five or more digits
 * is refused either way, as a group or as the start of an IPv4 tail.
 */
function v6Bytes(buf: Uint8Array, from: number, to: number, words: Uint32Array, w: number): boolean {
  const len = to - from;
  if (len > 45 || len < 2) return false;
  const G = GROUPS_B;
  let n = 0;
  let gap = -1;
  let i = from;
  if (buf[i] === 58) {
    if (buf[i + 1] !== 58) return false;
    gap = 0;
    i += 2;
  }
  if (i < to) {
    for (;;) {
      const start = i;
      let v = 0;
      let h = 0;
      while (i < to && (h = HEX[buf[i]!]!) >= 0) {
        v = (v << 4) | h;
        i++;
      }
      if (i < to && buf[i] === 46) {
        if (n > 6 || !v4Bytes(buf, start, to, words, w)) return false;
        const v4 = words[w + 3]!;
        G[n++] = v4 >>> 16;
        G[n++] = v4 & 0xffff;
        break;
      }
      if (i === start || i - start > 4 || n >= 8) return false;
      G[n++] = v;
      if (i === to) break;
      if (buf[i] !== 58) return false;
      i++;
      if (i < to && buf[i] === 58) {
        if (gap >= 0) return false;
        gap = n;
        i++;
        if (i === to) break;
      } else if (i === to) return false;
    }
  }
  if (gap < 0) {
    if (n !== 8) return false;
  } else {
    if (n > 7) return false;
    // The groups after the gap move to the end; the gap fills with zeros.
    const shift = 8 - n;
    for (let g = 7; g >= gap + shift; g--) G[g] = G[g - shift]!;
    for (let g = gap; g < gap + shift; g++) G[g] = 0;
  }
  words[w] = ((G[0]! << 16) | G[1]!) >>> 0;
  words[w + 1] = ((G[2]! << 16) | G[3]!) >>> 0;
  words[w + 2] = ((G[4]! << 16) | G[5]!) >>> 0;
  words[w + 3] = ((G[6]! << 16) | G[7]!) >>> 0;
  return true;
}

/** Decimal without leading zeros in buf[from, to), ≤ maxDigits; -1 if not. */
function decimalBytes(buf: Uint8Array, from: number, to: number, maxDigits: number): number {
  const n = to - from;
  if (n === 0 || n > maxDigits || (n > 1 && buf[from] === 48)) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = buf[i]! - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** A flow service in buf[from, to) into out.proto / out.port, as parseFlowService; false if not. */
function parseFlowServiceBytes(buf: Uint8Array, from: number, to: number, out: FlowResult): boolean {
  const len = to - from;
  if (len < 4) return false;
  const c0 = buf[from];
  const c1 = buf[from + 1];
  const c2 = buf[from + 2];
  let proto = 0;
  if (c0 === 116 /* t */ && c1 === 99 /* c */ && c2 === 112 /* p */) proto = 6;
  else if (c0 === 117 /* u */ && c1 === 100 /* d */ && c2 === 112 /* p */) proto = 17;
  if (proto > 0) {
    if (buf[from + 3] !== 47 /* / */) return false;
    const port = decimalBytes(buf, from + 4, to, 5);
    if (port < 1 || port > 65535) return false;
    out.proto = proto;
    out.port = port;
    return true;
  }
  if (c0 === 105 /* i */ && c1 === 99 /* c */ && c2 === 109 /* m */ && buf[from + 3] === 112 /* p */) {
    if (len === 4) out.proto = 1;
    else if (len === 6 && buf[from + 4] === 118 /* v */ && buf[from + 5] === 54 /* 6 */) out.proto = 58;
    else return false;
    out.port = 0;
    return true;
  }
  if (len > 6 && c0 === 112 /* p */ && c1 === 114 && c2 === 111 && buf[from + 3] === 116 && buf[from + 4] === 111 && buf[from + 5] === 47) {
    const p = decimalBytes(buf, from + 6, to, 3);
    if (p < 0 || p > 255 || p === 6 || p === 17) return false;
    out.proto = p;
    out.port = 0;
    return true;
  }
  return false;
}

/**
 * An address as a JSON string's content: from buf[from] up to the closing quote, read in the
 * same pass that finds the quote. Returns the quote's index with the address in words[w … w + 3],
 * or -1 where parseAddress would refuse the text before the quote (or might: a byte outside
 * [0-9A-Fa-f.:] is refused), or there is no quote before `end`. A dotted quad is read as it is
 * scanned; anything else goes to v6Bytes.
 */
export function addressValue(buf: Uint8Array, from: number, end: number, words: Uint32Array, w: number): number {
  let i = from;
  let value = 0;
  for (let octet = 0; ; octet++) {
    const start = i;
    let n = 0;
    let c = 0;
    while (i < end && (c = buf[i]! - 48) >= 0 && c <= 9) {
      n = n * 10 + c;
      i++;
    }
    const len = i - start;
    if (len === 0 || len > 3 || (len > 1 && buf[start] === 48) || n > 255 || i >= end) break;
    value = (value << 8) | n;
    if (octet === 3) {
      if (buf[i] !== 34) break;
      words[w] = 0;
      words[w + 1] = 0;
      words[w + 2] = 0xffff;
      words[w + 3] = value;
      return i;
    }
    if (buf[i] !== 46) break;
    i++;
  }
  // Not a dotted quad, so an IPv6 address or nothing (v6Bytes refuses any text without a colon).
  while (i < end && buf[i] !== 34) i++;
  return i < end && v6Bytes(buf, from, i, words, w) ? i : -1;
}

/** A flow service as a JSON string's content, like addressValue: the quote's index, or -1. */
export function serviceValue(buf: Uint8Array, from: number, end: number, out: FlowResult): number {
  // tcp/N and udp/N, the usual services, read as they are scanned.
  if (from + 4 < end && buf[from + 3] === 47) {
    const c0 = buf[from];
    const c1 = buf[from + 1];
    const c2 = buf[from + 2];
    const proto = c0 === 116 && c1 === 99 && c2 === 112 ? 6 : c0 === 117 && c1 === 100 && c2 === 112 ? 17 : 0;
    if (proto !== 0 && buf[from + 4] !== 48) {
      let i = from + 4;
      let port = 0;
      let c = 0;
      while (i < end && (c = buf[i]! - 48) >= 0 && c <= 9) {
        port = port * 10 + c;
        i++;
      }
      const len = i - from - 4;
      if (len > 0 && len <= 5 && port <= 65535 && i < end && buf[i] === 34) {
        out.proto = proto;
        out.port = port;
        return i;
      }
    }
  }
  let i = from;
  while (i < end && buf[i] !== 34) i++;
  return i < end && parseFlowServiceBytes(buf, from, i, out) ? i : -1;
}

/**
 * Flows parsed from bytes and decided together: a lookup is a chain of dependent reads from a
 * table of megabytes, each a likely cache miss. Decided one by one between parsing and
 * rendering, the misses of a flow wait in turn (~0.4 µs of the batch's 1 µs); in a loop over
 * a batch of independent flows the CPU runs the next flows' reads while the first wait.
 */
export class FlowBatch {
  readonly size: number;
  count = 0;
  /** Per flow k: its source and destination address as words [4k, 4k + 4). */
  readonly src: Uint32Array;
  readonly dst: Uint32Array;
  readonly proto: Int32Array;
  readonly port: Int32Array;
  /** Per flow k, the byte ranges its addresses were read from: [4k] … [4k + 3] = srcFrom, srcTo, dstFrom, dstTo. */
  readonly text: Int32Array;
  /** After decide: per flow, its segments and decision id. */
  readonly srcSeg: Int32Array;
  readonly dstSeg: Int32Array;
  readonly decision: Int32Array;
  private readonly service = new FlowResult();

  constructor(size: number) {
    this.size = size;
    this.src = new Uint32Array(size * 4);
    this.dst = new Uint32Array(size * 4);
    this.proto = new Int32Array(size);
    this.port = new Int32Array(size);
    this.text = new Int32Array(size * 4);
    this.srcSeg = new Int32Array(size);
    this.dstSeg = new Int32Array(size);
    this.decision = new Int32Array(size);
  }

  /*
   * A line reader fills the next slot value by value (each returns addressValue's or
   * serviceValue's answer), then takes it; a slot not taken is overwritten by the next line.
   */
  srcValue(buf: Uint8Array, from: number, end: number): number {
    const k = this.count << 2;
    const q = addressValue(buf, from, end, this.src, k);
    this.text[k] = from;
    this.text[k + 1] = q;
    return q;
  }

  dstValue(buf: Uint8Array, from: number, end: number): number {
    const k = this.count << 2;
    const q = addressValue(buf, from, end, this.dst, k);
    this.text[k + 2] = from;
    this.text[k + 3] = q;
    return q;
  }

  serviceValue(buf: Uint8Array, from: number, end: number): number {
    const s = this.service;
    const q = serviceValue(buf, from, end, s);
    this.proto[this.count] = s.proto;
    this.port[this.count] = s.port;
    return q;
  }

  /** The slot the value readers filled is a flow of the batch. */
  take(): void {
    this.count++;
  }

  /** Segments and decision ids of the flows taken, as resolveFlow finds them; one stage at a time. */
  decide(table: DecisionTable): void {
    const n = this.count;
    const { src, dst, srcSeg, dstSeg, proto, port, decision } = this;
    for (let k = 0; k < n; k++) srcSeg[k] = table.segment6(src, k << 2);
    for (let k = 0; k < n; k++) dstSeg[k] = table.segment6(dst, k << 2);
    for (let k = 0; k < n; k++) decision[k] = table.decideSegments(srcSeg[k]!, dstSeg[k]!, proto[k]!, port[k]!);
  }
}
