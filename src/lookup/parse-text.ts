/**
 * Address and service text → integers, without allocating: the parsers walk char codes, write
 * into a reusable FlowResult, and report errors as constant strings. As strict as the rule files
 * (docs/rules.md): an IPv4 octet with a leading zero or above 255, a zone id, a port range or
 * `any` is refused, never normalised. Their answer, a value or an error string, is the contract
 * that the byte parsers (parse-bytes.ts) follow.
 */

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

/** The same reasons in Japanese, for --lang ja and Accept-Language: ja (one per FLOW_ERRORS key). */
export const FLOW_ERRORS_JA: Record<keyof typeof FLOW_ERRORS, string> = {
  empty: '空です',
  address: 'IPv4 アドレスでも IPv6 アドレスでもありません',
  leadingZero: 'IPv4 のオクテットの先頭に 0 があります（8 進数か 10 進数か曖昧です）',
  octetRange: 'IPv4 のオクテットが 255 を超えています',
  zone: 'ゾーン ID（%…）はここでは意味を持ちません',
  v6: '正しい IPv6 アドレスではありません',
  service: '通信のサービスではありません（tcp/443、udp/53、icmp、icmpv6、proto/47 のように書きます）',
  needsPort: 'tcp と udp にはポートが必要です（tcp/443、udp/53）',
  portNumber: 'ポートが数値ではありません（1〜65535、先頭に 0 を付けない）',
  portRange: 'ポートが範囲（1〜65535）外です',
  onePort: '一つの通信のポートは一つです（範囲は書けません）',
  noPort: 'このプロトコルにはポートがありません',
  protoNumber: 'proto/N にはプロトコル番号 0〜255 を書きます（先頭に 0 を付けない）',
  protoHasPorts: 'proto/6 と proto/17 は tcp と udp です。tcp/ポート または udp/ポート と書いてください',
  any: '一つの通信のサービスは一つです（any は書けません）',
};

/** A reason (a FLOW_ERRORS constant) in a language: a lookup, made once. */
const JA_OF = new Map<string, string>(Object.entries(FLOW_ERRORS).map(([k, en]) => [en, FLOW_ERRORS_JA[k as keyof typeof FLOW_ERRORS]]));

export function flowReason(reason: string, lang: 'en' | 'ja'): string {
  return lang === 'ja' ? (JA_OF.get(reason) ?? reason) : reason;
}

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
