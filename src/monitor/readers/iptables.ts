/**
 * Netfilter LOG lines, as iptables' and nftables' `log` targets write them to the kernel log:
 * `… IN=eth0 OUT=eth1 SRC=10.20.100.5 DST=172.16.1.10 LEN=60 … PROTO=TCP SPT=40000 DPT=443 …`
 * (the format of net/netfilter/nf_log_syslog.c; ip6tables the same with IPv6 addresses and
 * PROTO=ICMPv6). Read from:
 *  - syslog files: an ISO 8601 stamp (rsyslog's default on Debian, `journalctl -o short-iso`)
 *    or a BSD stamp "Nov 30 12:34:56" (no year or zone: read as ReaderOptions.year, UTC);
 *  - `journalctl -o export`: __REALTIME_TIMESTAMP= lines give the time of the MESSAGE= line
 *    that follows in the same entry;
 *  - `journalctl -o json`: one object per line with MESSAGE and __REALTIME_TIMESTAMP.
 * A line with no SRC= token is another program's line (SKIP), not a bad record. Only the first
 * SRC=, DST=, PROTO= and DPT= count: an ICMP error quotes the offending packet after them, in
 * brackets ([SRC=… DST=…]), and that is not the flow.
 */
import { address, is, protocol, service, settle, uint } from '../fields.js';
import { type FlowRecord, PARSED, RECORD_ERRORS, SKIP } from '../record.js';
import { bsdTime, epochTime, isoTime } from '../time.js';
import { exampleText, type LogReader, type ReaderOptions } from './reader.js';

const E = RECORD_ERRORS;

/** The fields of one LOG message, as byte ranges (-1: not present). */
class Tokens {
  src0 = -1;
  src1 = -1;
  dst0 = -1;
  dst1 = -1;
  proto0 = -1;
  proto1 = -1;
  dpt0 = -1;
  dpt1 = -1;
}

function scan(buf: Uint8Array, from: number, to: number, t: Tokens): void {
  t.src0 = t.dst0 = t.proto0 = t.dpt0 = -1;
  let i = from;
  while (i < to) {
    while (i < to && buf[i] === 32) i++;
    const start = i;
    let eq = -1;
    while (i < to && buf[i] !== 32) {
      if (eq < 0 && buf[i] === 61) eq = i;
      i++;
    }
    if (eq < 0) continue;
    const n = eq - start;
    if (n === 3) {
      if (t.src0 < 0 && is(buf, start, eq, 'SRC')) {
        t.src0 = eq + 1;
        t.src1 = i;
      } else if (t.dst0 < 0 && is(buf, start, eq, 'DST')) {
        t.dst0 = eq + 1;
        t.dst1 = i;
      } else if (t.dpt0 < 0 && is(buf, start, eq, 'DPT')) {
        t.dpt0 = eq + 1;
        t.dpt1 = i;
      }
    } else if (n === 5 && t.proto0 < 0 && is(buf, start, eq, 'PROTO')) {
      t.proto0 = eq + 1;
      t.proto1 = i;
    }
  }
}

export function iptablesReader(opts: ReaderOptions = {}): LogReader {
  const year = opts.year ?? new Date().getUTCFullYear();
  const t = new Tokens();
  /** journald export: the entry's time, set by its __REALTIME_TIMESTAMP line. */
  let entryTime = Number.NaN;

  /** The LOG message in buf[from, to) with its time already in rec.time. */
  function message(buf: Uint8Array, from: number, to: number, rec: FlowRecord): number {
    scan(buf, from, to, t);
    if (t.src0 < 0) return SKIP;
    if (t.src0 === t.src1) return rec.reject(E.noSrc);
    let err = address(buf, t.src0, t.src1, rec, 0);
    if (err !== null) return rec.reject(`SRC: ${err}`);
    if (t.dst0 < 0 || t.dst0 === t.dst1) return rec.reject(E.noDst);
    err = address(buf, t.dst0, t.dst1, rec, 1);
    if (err !== null) return rec.reject(`DST: ${err}`);
    if (t.proto0 < 0) return rec.reject(E.noProto);
    const p = protocol(buf, t.proto0, t.proto1);
    if (p < 0) return rec.reject(`PROTO: ${E.proto}`);
    err = service(rec, p, t.dpt0 < 0 ? -1 : uint(buf, t.dpt0, t.dpt1, 5), E);
    if (err !== null) return rec.reject(`DPT: ${err}`);
    settle(rec);
    return PARSED;
  }

  function json(buf: Uint8Array, from: number, to: number, rec: FlowRecord): number {
    let o: unknown;
    try {
      o = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + from, to - from).toString('utf8'));
    } catch {
      return rec.reject(E.json);
    }
    if (o === null || typeof o !== 'object') return rec.reject(E.json);
    const { MESSAGE: m, __REALTIME_TIMESTAMP: ts } = o as Record<string, unknown>;
    // journald writes a message that is not valid UTF-8 as an array of bytes.
    const bytes = typeof m === 'string' ? Buffer.from(m, 'utf8') : Array.isArray(m) ? Buffer.from(m as number[]) : null;
    if (bytes === null) return SKIP;
    const tsb = typeof ts === 'string' ? Buffer.from(ts) : null;
    rec.time = tsb ? epochTime(tsb, 0, tsb.length) : Number.NaN;
    return message(bytes, 0, bytes.length, rec);
  }

  return {
    line(buf, from, to, rec) {
      if (from === to) {
        entryTime = Number.NaN;
        return SKIP;
      }
      const c = buf[from]!;
      if (c === 123) return json(buf, from, to, rec);
      if (c === 95 && to - from > 21 && is(buf, from, from + 21, '__REALTIME_TIMESTAMP=')) {
        entryTime = epochTime(buf, from + 21, to);
        return SKIP;
      }
      if (c === 77 && to - from > 8 && is(buf, from, from + 8, 'MESSAGE=')) {
        rec.time = entryTime;
        return message(buf, from + 8, to, rec);
      }
      // A syslog line: its stamp, then the message.
      rec.time = Number.NaN;
      if (c >= 48 && c <= 57) {
        let sp = from;
        while (sp < to && buf[sp] !== 32) sp++;
        rec.time = isoTime(buf, from, sp);
      } else if (c >= 65 && c <= 90) rec.time = bsdTime(buf, from, to, year);
      return message(buf, from, to, rec);
    },
    example: exampleText,
  };
}
