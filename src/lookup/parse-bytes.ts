/**
 * The same parsers over UTF-8 bytes, for the NDJSON batch: a request line is read where it lies
 * in the socket's Buffer, with no string made of it. They only ever accept — never explain: a
 * value they refuse goes to the string parsers (parse-text.ts), whose answer (a decision or an
 * error string) is the contract. So each accepts a subset of what its string twin accepts, with
 * the same result (test/lookup/flow-bytes.test.ts), and refuses every byte outside ASCII.
 */
import type { FlowResult } from './parse-text.js';

/** What v4Value returns for text that is not a dotted quad: not an int32, so never an address. */
export const NOT_V4 = 0x100000000;

/**
 * A dotted quad in buf[from, to) as strict as parseV4 (no leading zeros, octets ≤ 255), returned
 * as a signed 32-bit number; or NOT_V4. Also the monitor's log readers' (monitor/fields.ts).
 */
export function v4Value(buf: Uint8Array, from: number, to: number): number {
  let value = 0;
  let i = from;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (i >= to || buf[i] !== 46) return NOT_V4;
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
    if (len === 0 || len > 3 || (len > 1 && buf[start] === 48) || n > 255) return NOT_V4;
    value = (value << 8) | n;
  }
  return i === to ? value : NOT_V4;
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
        const v4 = n > 6 ? NOT_V4 : v4Value(buf, start, to);
        if (v4 === NOT_V4) return false;
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
