/**
 * FortiGate traffic logs (FortiOS log message reference, "Traffic log" fields): key=value pairs
 * separated by spaces, values with spaces in double quotes, e.g.
 *   date=2026-11-30 time=12:34:56 eventtime=1796042096123456789 tz="+0900" logid="0000000013"
 *   type="traffic" subtype="forward" srcip=10.20.100.5 srcport=40000 dstip=172.16.1.10
 *   dstport=443 proto=6 action="accept" service="HTTPS" …
 * optionally behind a syslog header (words without "="). Read: srcip, dstip, proto (IANA
 * number), dstport (tcp and udp), and the time from date + time (+ tz), else eventtime (s, ms,
 * µs or ns by length). A line whose type is not "traffic" (event, utm logs) is skipped;
 * `service` is the FortiGate's name for the port and kept only in the example.
 */
import { address, is, protocol, service, settle, uint } from '../fields.js';
import { PARSED, RECORD_ERRORS, SKIP } from '../record.js';
import { epochTime, isoTime, zoneMinutes } from '../time.js';
import { exampleText, type LogReader } from './reader.js';

const E = RECORD_ERRORS;
/** Field ids, and per id its value's byte range: V[2k], V[2k + 1] (-1: absent). */
const SRCIP = 0;
const DSTIP = 1;
const PROTO = 2;
const DSTPORT = 3;
const DATE = 4;
const TIME = 5;
const TZ = 6;
const EVENTTIME = 7;
const TYPE = 8;
const NAMES = ['srcip', 'dstip', 'proto', 'dstport', 'date', 'time', 'tz', 'eventtime', 'type'];

function fieldId(buf: Uint8Array, from: number, to: number): number {
  for (let k = 0; k < NAMES.length; k++) if (is(buf, from, to, NAMES[k]!)) return k;
  return -1;
}

/** Date and time concatenated for isoTime: "YYYY-MM-DDTHH:MM:SS±HH:MM". */
const STAMP = new Uint8Array(32);

export function fortigateReader(): LogReader {
  const V = new Int32Array(NAMES.length * 2);
  return {
    line(buf, from, to, rec) {
      V.fill(-1);
      let i = from;
      let pairs = 0;
      while (i < to) {
        while (i < to && buf[i] === 32) i++;
        let k0 = i;
        while (i < to && buf[i] !== 61 && buf[i] !== 32) {
          // A syslog priority glued to the first key: <189>date=…
          if (buf[i] === 62 && buf[k0] === 60) k0 = i + 1;
          i++;
        }
        if (i >= to || buf[i] !== 61) continue; // a word of the syslog header
        const id = fieldId(buf, k0, i);
        pairs++;
        i++;
        let v0 = i;
        let v1: number;
        if (buf[i] === 34) {
          v0 = ++i;
          while (i < to && buf[i] !== 34) {
            if (buf[i] === 92) i++;
            i++;
          }
          v1 = Math.min(i, to);
          i++;
        } else {
          while (i < to && buf[i] !== 32) i++;
          v1 = i;
        }
        if (id >= 0 && V[id * 2]! < 0) {
          V[id * 2] = v0;
          V[id * 2 + 1] = v1;
        }
      }
      if (pairs === 0) return SKIP;
      if (V[TYPE * 2]! >= 0 && !is(buf, V[TYPE * 2]!, V[TYPE * 2 + 1]!, 'traffic')) return SKIP;
      if (V[SRCIP * 2]! < 0) return rec.reject(E.noSrc);
      let err = address(buf, V[SRCIP * 2]!, V[SRCIP * 2 + 1]!, rec, 0);
      if (err !== null) return rec.reject(`srcip: ${err}`);
      if (V[DSTIP * 2]! < 0) return rec.reject(E.noDst);
      err = address(buf, V[DSTIP * 2]!, V[DSTIP * 2 + 1]!, rec, 1);
      if (err !== null) return rec.reject(`dstip: ${err}`);
      if (V[PROTO * 2]! < 0) return rec.reject(E.noProto);
      const p = protocol(buf, V[PROTO * 2]!, V[PROTO * 2 + 1]!);
      if (p < 0) return rec.reject(`proto: ${E.proto}`);
      err = service(rec, p, V[DSTPORT * 2]! < 0 ? -1 : uint(buf, V[DSTPORT * 2]!, V[DSTPORT * 2 + 1]!, 5), E);
      if (err !== null) return rec.reject(`dstport: ${err}`);
      rec.time = Number.NaN;
      const d0 = V[DATE * 2]!;
      const t0 = V[TIME * 2]!;
      if (d0 >= 0 && t0 >= 0 && V[DATE * 2 + 1]! - d0 === 10 && V[TIME * 2 + 1]! - t0 === 8) {
        // Byte by byte: subarray would allocate a view per record.
        for (let k = 0; k < 10; k++) STAMP[k] = buf[d0 + k]!;
        STAMP[10] = 84;
        for (let k = 0; k < 8; k++) STAMP[11 + k] = buf[t0 + k]!;
        let n = 19;
        const z0 = V[TZ * 2]!;
        const z1 = V[TZ * 2 + 1]!;
        if (z0 >= 0 && z1 - z0 <= 6 && !Number.isNaN(zoneMinutes(buf, z0, z1))) {
          for (let k = z0; k < z1; k++) STAMP[19 + k - z0] = buf[k]!;
          n += z1 - z0;
        }
        rec.time = isoTime(STAMP, 0, n);
        if (Number.isNaN(rec.time)) return rec.reject(`date/time: ${E.time}`);
      } else if (V[EVENTTIME * 2]! >= 0) {
        rec.time = epochTime(buf, V[EVENTTIME * 2]!, V[EVENTTIME * 2 + 1]!);
        if (Number.isNaN(rec.time)) return rec.reject(`eventtime: ${E.time}`);
      }
      settle(rec);
      return PARSED;
    },
    example: exampleText,
  };
}
