/**
 * JSON lines: one {"src", "dst", "service"} object per line, as `decide` reads a flow (the
 * same address and service rules), with an optional "time" (ISO 8601 text, or Unix seconds or
 * milliseconds as a number). Other fields are allowed and kept in the example.
 *
 * The fast path reads the object where it lies: keys compared as bytes, the three values parsed
 * as they are scanned, other values skipped by bracket depth. It accepts a subset of what the
 * slow path (JSON.parse, then the string parsers) accepts, with the same result: any line it
 * does not like — escapes in a value, a repeated key, IPv6 — goes to the slow path, which is the
 * contract and the one that explains.
 */
import { address, flowService, settle, text } from '../fields.js';
import { type FlowRecord, PARSED, RECORD_ERRORS, SKIP } from '../record.js';
import { epochTime, isoTime } from '../time.js';
import { exampleText, type LogReader } from './reader.js';

const SLOW = -1;

function ws(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

/**
 * Index after the JSON string opening at buf[i] (a quote), or -1 where it is not one JSON
 * accepts (a bad escape, a control character) or holds a byte outside ASCII: the slow path
 * then checks the line's UTF-8 and explains.
 */
function skipString(buf: Uint8Array, i: number, to: number): number {
  for (i++; i < to; i++) {
    const c = buf[i]!;
    if (c === 34) return i + 1;
    if (c < 32 || c >= 128) return -1;
    if (c === 92) {
      const e = buf[++i];
      if (e === 117) {
        for (let k = 1; k <= 4; k++) if (HEXDIGIT[buf[i + k] ?? 0] !== 1) return -1;
        i += 4;
      } else if (e !== 34 && e !== 92 && e !== 47 && e !== 98 && e !== 102 && e !== 110 && e !== 114 && e !== 116) return -1;
    }
  }
  return -1;
}

const HEXDIGIT = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEXDIGIT[c.charCodeAt(0)] = 1;

function digitsAt(buf: Uint8Array, i: number, to: number): number {
  const start = i;
  while (i < to && buf[i]! >= 48 && buf[i]! <= 57) i++;
  return i === start ? -1 : i;
}

/** A JSON number at buf[i] as the grammar has it; the index after it, or -1. */
function skipNumber(buf: Uint8Array, i: number, to: number): number {
  if (buf[i] === 45) i++;
  if (buf[i] === 48) i++;
  else if ((i = digitsAt(buf, i, to)) < 0) return -1;
  if (buf[i] === 46 && (i = digitsAt(buf, i + 1, to)) < 0) return -1;
  if (buf[i] === 101 || buf[i] === 69) {
    i++;
    if (buf[i] === 43 || buf[i] === 45) i++;
    if ((i = digitsAt(buf, i, to)) < 0) return -1;
  }
  return i;
}

function literal(buf: Uint8Array, i: number, to: number, word: string): number {
  if (to - i < word.length) return -1;
  for (let k = 0; k < word.length; k++) if (buf[i + k] !== word.charCodeAt(k)) return -1;
  return i + word.length;
}

/** Deepest nesting the fast path follows; deeper values go to JSON.parse. */
const MAX_DEPTH = 32;

/** Index after the JSON value at buf[i], checked as JSON.parse would check it, or -1. */
function skipValue(buf: Uint8Array, i: number, to: number, depth = 0): number {
  const c = buf[i];
  if (c === 34) return skipString(buf, i, to);
  if (c === 116) return literal(buf, i, to, 'true');
  if (c === 102) return literal(buf, i, to, 'false');
  if (c === 110) return literal(buf, i, to, 'null');
  if (c === 45 || (c !== undefined && c >= 48 && c <= 57)) return skipNumber(buf, i, to);
  if ((c !== 123 && c !== 91) || depth >= MAX_DEPTH) return -1;
  const close = c === 123 ? 125 : 93;
  i++;
  while (i < to && ws(buf[i]!)) i++;
  if (buf[i] === close) return i + 1;
  for (;;) {
    if (c === 123) {
      if (buf[i] !== 34 || (i = skipString(buf, i, to)) < 0) return -1;
      while (i < to && ws(buf[i]!)) i++;
      if (buf[i] !== 58) return -1;
      i++;
      while (i < to && ws(buf[i]!)) i++;
    }
    if ((i = skipValue(buf, i, to, depth + 1)) < 0) return -1;
    while (i < to && ws(buf[i]!)) i++;
    if (buf[i] === close) return i + 1;
    if (buf[i] !== 44) return -1;
    i++;
    while (i < to && ws(buf[i]!)) i++;
  }
}

/** The key at buf[from, to) (between quotes): 1 src, 2 dst, 3 service, 4 time, 0 other, -1 escaped. */
function keyId(buf: Uint8Array, from: number, to: number): number {
  const n = to - from;
  for (let i = from; i < to; i++) if (buf[i] === 92) return -1;
  if (n === 3) {
    if (buf[from] === 115 && buf[from + 1] === 114 && buf[from + 2] === 99) return 1;
    if (buf[from] === 100 && buf[from + 1] === 115 && buf[from + 2] === 116) return 2;
  } else if (n === 7) {
    if (buf[from] === 115 && buf[from + 1] === 101 && buf[from + 2] === 114 && buf[from + 3] === 118 && buf[from + 4] === 105 && buf[from + 5] === 99 && buf[from + 6] === 101)
      return 3;
  } else if (n === 4) {
    if (buf[from] === 116 && buf[from + 1] === 105 && buf[from + 2] === 109 && buf[from + 3] === 101) return 4;
  }
  return 0;
}

/** The fast path (exported for its test): PARSED, or SLOW (-1) to hand the line on. */
export function fast(buf: Uint8Array, from: number, to: number, rec: FlowRecord): number {
  let i = from;
  while (i < to && ws(buf[i]!)) i++;
  if (buf[i] !== 123) return SLOW;
  i++;
  let seen = 0;
  rec.time = Number.NaN;
  for (;;) {
    while (i < to && ws(buf[i]!)) i++;
    if (buf[i] !== 34) return SLOW;
    const k0 = i + 1;
    i = skipString(buf, i, to);
    if (i < 0) return SLOW;
    const id = keyId(buf, k0, i - 1);
    if (id < 0) return SLOW;
    while (i < to && ws(buf[i]!)) i++;
    if (buf[i] !== 58) return SLOW;
    i++;
    while (i < to && ws(buf[i]!)) i++;
    if (id > 0) {
      if (seen & (1 << id)) return SLOW;
      seen |= 1 << id;
    }
    if (id >= 1 && id <= 3) {
      if (buf[i] !== 34) return SLOW;
      const v0 = i + 1;
      let q = v0;
      while (q < to && buf[q] !== 34 && buf[q] !== 92) q++;
      if (q >= to || buf[q] !== 34) return SLOW;
      if (id === 3) {
        if (flowServiceBytes(buf, v0, q, rec) !== null) return SLOW;
      } else if (address(buf, v0, q, rec, id === 1 ? 0 : 1) !== null) return SLOW;
      i = q + 1;
    } else if (id === 4) {
      const end = skipValue(buf, i, to);
      if (end < 0) return SLOW;
      const t = buf[i] === 34 ? isoTime(buf, i + 1, end - 1) : epochNumber(buf, i, end);
      if (Number.isNaN(t)) return SLOW;
      rec.time = t;
      i = end;
    } else {
      i = skipValue(buf, i, to);
      if (i < 0) return SLOW;
    }
    while (i < to && ws(buf[i]!)) i++;
    if (buf[i] === 44) {
      i++;
      continue;
    }
    if (buf[i] !== 125) return SLOW;
    i++;
    break;
  }
  while (i < to && ws(buf[i]!)) i++;
  if (i !== to || (seen & 14) !== 14) return SLOW;
  settle(rec);
  return PARSED;
}

/** A JSON number of Unix seconds (≤ 10 digits) or milliseconds (13); NaN for anything else. */
function epochNumber(buf: Uint8Array, from: number, to: number): number {
  const n = to - from;
  return n === 10 || n === 13 ? epochTime(buf, from, to) : Number.NaN;
}

// tcp/N and udp/N without a string; the rest through the decide parser.
function flowServiceBytes(buf: Uint8Array, from: number, to: number, rec: FlowRecord): string | null {
  const c0 = buf[from];
  if (
    to - from >= 5 &&
    buf[from + 3] === 47 &&
    buf[from + 4] !== 48 &&
    ((c0 === 116 && buf[from + 1] === 99 && buf[from + 2] === 112) || (c0 === 117 && buf[from + 1] === 100 && buf[from + 2] === 112))
  ) {
    let port = 0;
    for (let i = from + 4; i < to; i++) {
      const c = buf[i]! - 48;
      if (c < 0 || c > 9 || i - from > 8) return 'slow';
      port = port * 10 + c;
    }
    if (port < 1 || port > 65535) return 'slow';
    rec.proto = c0 === 116 ? 6 : 17;
    rec.port = port;
    return null;
  }
  return flowService(text(buf, from, to), rec);
}

/** The contract: JSON.parse and the string parsers; explains every refusal. */
export function slow(buf: Uint8Array, from: number, to: number, rec: FlowRecord): number {
  let v: unknown;
  const s = Buffer.from(buf.buffer, buf.byteOffset + from, to - from).toString('utf8');
  if (s.includes('\uFFFD') && !Buffer.from(s, 'utf8').equals(Buffer.from(buf.buffer, buf.byteOffset + from, to - from))) return rec.reject(RECORD_ERRORS.encoding);
  try {
    v = JSON.parse(s);
  } catch {
    return rec.reject(RECORD_ERRORS.json);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return rec.reject(RECORD_ERRORS.json);
  const o = v as Record<string, unknown>;
  for (const f of ['src', 'dst', 'service'] as const) {
    if (!Object.hasOwn(o, f)) return rec.reject(`no "${f}"`);
    if (typeof o[f] !== 'string') return rec.reject(`"${f}" is not a string`);
  }
  const one = (field: 'src' | 'dst'): string | null => {
    const b = Buffer.from(o[field] as string, 'utf8');
    const err = address(b, 0, b.length, rec, field === 'src' ? 0 : 1);
    return err === null ? null : `${field} ${JSON.stringify(quoteCut(o[field] as string))}: ${err}`;
  };
  let err = one('src');
  if (err !== null) return rec.reject(err);
  err = one('dst');
  if (err !== null) return rec.reject(err);
  err = flowService(o.service as string, rec);
  if (err !== null) return rec.reject(`service ${JSON.stringify(quoteCut(o.service as string))}: ${err}`);
  rec.time = Number.NaN;
  if (Object.hasOwn(o, 'time')) {
    const t = o.time;
    if (typeof t === 'string') {
      const b = Buffer.from(t, 'utf8');
      rec.time = isoTime(b, 0, b.length);
    } else if (typeof t === 'number' && Number.isInteger(t) && t >= 0) rec.time = t < 1e11 ? t * 1000 : t;
    if (Number.isNaN(rec.time)) return rec.reject(`"time": ${RECORD_ERRORS.time}`);
  }
  settle(rec);
  return PARSED;
}

function quoteCut(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}

export function jsonlReader(): LogReader {
  return {
    line(buf, from, to, rec) {
      let i = from;
      while (i < to && ws(buf[i]!)) i++;
      if (i === to) return SKIP;
      const r = fast(buf, from, to, rec);
      return r === SLOW ? slow(buf, from, to, rec) : r;
    },
    example(buf, from, to) {
      try {
        return JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + from, to - from).toString('utf8')) as unknown;
      } catch {
        return exampleText(buf, from, to);
      }
    },
  };
}
