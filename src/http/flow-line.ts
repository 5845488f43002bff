/**
 * The common NDJSON request line, `{"src":"…","dst":"…","service":"…"}` (keys in any order, JSON
 * white space anywhere between tokens), read by walking its bytes (readFlowLine, for a line
 * wholly inside a request chunk) or char codes (scanFlowLine, for a line decoded from a cut)
 * instead of JSON.parse: the parse was a quarter of the batch's CPU. Anything else — an escaped,
 * repeated or other key, a value that is not a string, a BOM, garbage — is refused here so the
 * caller falls back to the safe parser (json.ts), whose answers (and error messages) stay the
 * contract.
 */
import type { FlowBatch } from '../lookup/flow-batch.js';

/** Reusable result of scanFlowLine: one per caller, overwritten each call. */
export class FlowLine {
  src = '';
  dst = '';
  service = '';
}

/** JSON white space (RFC 8259 §2): space, tab, line feed, carriage return. */
function skipWs(line: string, i: number, n: number): number {
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
    i++;
  }
  return i;
}

const SRC = 1;
const DST = 2;
const SERVICE = 4;

/**
 * True with the three values in `out` when the line has exactly the common shape. A value is
 * the raw text between its quotes, which is what JSON reads from it only when it holds no
 * backslash and no control character: the caller checks that (plainValue), or validates the
 * values with a parser that accepts neither and sends any line it refuses to the safe parser —
 * the batch route does the latter, as every address and service the flow parser accepts is
 * plain ASCII. Checking each character here cost as much as JSON.parse.
 */
export function scanFlowLine(text: string, out: FlowLine, from = 0, to = text.length): boolean {
  // The line is text[from, to): a chunk's line is read where it lies, without slicing it out.
  const n = to;
  const at = (i: number): number => (i < n ? text.charCodeAt(i) : -1);
  let i = skipWs(text, from, n);
  if (at(i) !== 123 /* { */) return false;
  i++;
  let seen = 0;
  for (let k = 0; k < 3; k++) {
    i = skipWs(text, i, n);
    if (k > 0) {
      if (at(i) !== 44 /* , */) return false;
      i = skipWs(text, i + 1, n);
    }
    if (at(i) !== 34 /* " */) return false;
    i++;
    // The key by its characters: startsWith(…, i) is a call into the runtime per key.
    let key: number;
    const c0 = at(i);
    if (c0 === 115 /* s */ && at(i + 1) === 114 && at(i + 2) === 99 && at(i + 3) === 34) {
      key = SRC; // src"
      i += 4;
    } else if (c0 === 100 /* d */ && at(i + 1) === 115 && at(i + 2) === 116 && at(i + 3) === 34) {
      key = DST; // dst"
      i += 4;
    } else if (c0 === 115 && at(i + 1) === 101 && at(i + 2) === 114 && at(i + 3) === 118 && at(i + 4) === 105 && at(i + 5) === 99 && at(i + 6) === 101 && at(i + 7) === 34) {
      key = SERVICE; // service"
      i += 8;
    } else return false;
    if ((seen & key) !== 0) return false; // a repeated key: JSON.parse keeps the last, let it
    seen |= key;
    i = skipWs(text, i, n);
    if (at(i) !== 58 /* : */) return false;
    i = skipWs(text, i + 1, n);
    if (at(i) !== 34) return false;
    const start = ++i;
    i = text.indexOf('"', i); // native and fast; what lies between is the caller's to check
    if (i < 0 || i >= n) return false;
    const value = text.slice(start, i);
    i++;
    if (key === SRC) out.src = value;
    else if (key === DST) out.dst = value;
    else out.service = value;
  }
  i = skipWs(text, i, n);
  if (at(i) !== 125 /* } */) return false;
  return skipWs(text, i + 1, n) === n;
}

/** No backslash (an escape) and no control character (not JSON): the text is its JSON reading. */
export function plainValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 92 || c < 32) return false;
  }
  return true;
}

/**
 * scanFlowLine over the UTF-8 bytes of a request chunk, from a line's first byte, with each value
 * read by the flow parser in the pass that finds its end (FlowBatch.srcValue …, which refuse any
 * byte outside ASCII and every backslash: a value they accept is its own JSON reading). Then JSON
 * white space up to the line's newline, whose index it returns with the flow in the batch's next
 * slot, not yet taken. -1 for any other line, or a line without its newline before `end`: the
 * caller finds the line's end itself and reads it the safe way.
 */
export function readFlowLine(buf: Uint8Array, view: DataView, from: number, end: number, batch: FlowBatch): number {
  const nl = readCompact(buf, view, from, end, batch);
  return nl !== -2 ? nl : readSpaced(buf, from, end, batch);
}

/**
 * The line as JSON.stringify writes it, `{"src":"…","dst":"…","service":"…"}` and its newline
 * (a \r before it allowed), its fixed parts compared four bytes at a time (`view` is `buf`'s
 * bytes, read big-endian). -2 where it departs from that form before a value was refused: the
 * line is then read token by token. A value refused is refused either way (-1).
 */
function readCompact(buf: Uint8Array, view: DataView, from: number, end: number, batch: FlowBatch): number {
  let i = from;
  if (i + 8 >= end || view.getInt32(i) !== 0x7b227372 /* {"sr */ || view.getInt32(i + 4) !== 0x63223a22 /* c":" */) return -2;
  i = batch.srcValue(buf, i + 8, end);
  if (i < 0) return -1;
  if (i + 9 >= end || view.getInt32(i) !== 0x222c2264 /* ","d */ || view.getInt32(i + 4) !== 0x7374223a /* st": */ || buf[i + 8] !== 34) return -2;
  i = batch.dstValue(buf, i + 9, end);
  if (i < 0) return -1;
  if (
    i + 13 >= end ||
    view.getInt32(i) !== 0x222c2273 /* ","s */ ||
    view.getInt32(i + 4) !== 0x65727669 /* ervi */ ||
    view.getInt32(i + 8) !== 0x6365223a /* ce": */ ||
    buf[i + 12] !== 34
  )
    return -2;
  i = batch.serviceValue(buf, i + 13, end);
  if (i < 0) return -1;
  if (i + 2 >= end || buf[i + 1] !== 125 /* } */) return -2;
  i += 2;
  if (buf[i] === 13) i++;
  return i < end && buf[i] === 10 ? i : -2;
}

/** readFlowLine for any line: token by token, with white space anywhere between them. */
function readSpaced(buf: Uint8Array, from: number, end: number, batch: FlowBatch): number {
  let i = from;
  let c = 0;
  // White space is rare in the common line: each skip is an inline test, not a call.
  while (i < end && ((c = buf[i]!) === 32 || c === 9 || c === 13)) i++;
  if (i >= end || buf[i] !== 123 /* { */) return -1;
  i++;
  let seen = 0;
  for (let k = 0; k < 3; k++) {
    while (i < end && ((c = buf[i]!) === 32 || c === 9 || c === 13)) i++;
    if (k > 0) {
      if (i >= end || buf[i] !== 44 /* , */) return -1;
      i++;
      while (i < end && ((c = buf[i]!) === 32 || c === 9 || c === 13)) i++;
    }
    // The key by its bytes, then `:` and the value's opening quote; `end` lies past them all
    // in a line that goes on to a value (checked per key).
    if (i + 5 >= end || buf[i] !== 34 /* " */) return -1;
    const c0 = buf[i + 1];
    let key: number;
    if (c0 === 115 /* s */ && buf[i + 2] === 114 && buf[i + 3] === 99 && buf[i + 4] === 34) {
      key = SRC; // "src"
      i += 5;
    } else if (c0 === 100 /* d */ && buf[i + 2] === 115 && buf[i + 3] === 116 && buf[i + 4] === 34) {
      key = DST; // "dst"
      i += 5;
    } else if (
      c0 === 115 &&
      i + 9 < end &&
      buf[i + 2] === 101 &&
      buf[i + 3] === 114 &&
      buf[i + 4] === 118 &&
      buf[i + 5] === 105 &&
      buf[i + 6] === 99 &&
      buf[i + 7] === 101 &&
      buf[i + 8] === 34
    ) {
      key = SERVICE; // "service"
      i += 9;
    } else return -1;
    if ((seen & key) !== 0) return -1; // a repeated key: JSON.parse keeps the last, let it
    seen |= key;
    while (i < end && ((c = buf[i]!) === 32 || c === 9 || c === 13)) i++;
    if (i >= end || buf[i] !== 58 /* : */) return -1;
    i++;
    while (i < end && ((c = buf[i]!) === 32 || c === 9 || c === 13)) i++;
    if (i >= end || buf[i] !== 34) return -1;
    i++;
    i = key === SRC ? batch.srcValue(buf, i, end) : key === DST ? batch.dstValue(buf, i, end) : batch.serviceValue(buf, i, end);
    if (i < 0) return -1;
    i++;
  }
  while (i < end && ((c = buf[i]!) === 32 || c === 9 || c === 13)) i++;
  if (i >= end || buf[i] !== 125 /* } */) return -1;
  i++;
  while (i < end && ((c = buf[i]!) === 32 || c === 9 || c === 13)) i++;
  return i < end && buf[i] === 10 ? i : -1;
}
