/**
 * nfdump's CSV output (`nfdump -r FILE -o csv`), which is how NetFlow v5/v9 and IPFIX collected
 * by nfcapd are read. nfdump 1.7.1 (Debian) writes this header and then one line per flow:
 *   ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out,sas,das,…
 * then, unless -q, a blank line and a "Summary" block, which is not flows. Columns are found by
 * the header's names (ts, sa, da, dp, pr), so reordered or extended output still reads; without
 * a header, that default layout is assumed. ts is "YYYY-MM-DD HH:MM:SS[.mmm]" in nfdump's local
 * time: run it with TZ=UTC (docs/monitor.md). pr is a name (TCP, UDP, ICMP, …) or a number. For
 * ICMP nfdump writes type·256+code as dp; it is not a port and is ignored.
 */
import { address, is, protocol, service, settle, text, uint } from '../fields.js';
import { PARSED, RECORD_ERRORS, SKIP } from '../record.js';
import { isoTime } from '../time.js';
import { exampleText, type LogReader } from './reader.js';

const E = RECORD_ERRORS;

export function nfdumpCsvReader(): LogReader {
  let ts = 0;
  let sa = 3;
  let da = 4;
  let dp = 6;
  let pr = 7;
  let need = 8;
  /** After the blank line that ends the flows: the summary block, never records. */
  let summary = false;
  const starts = new Int32Array(128);
  const ends = new Int32Array(128);

  function header(line: string): void {
    const names = line.split(',').map((s) => s.trim());
    ts = names.indexOf('ts');
    sa = names.indexOf('sa');
    da = names.indexOf('da');
    dp = names.indexOf('dp');
    pr = names.indexOf('pr');
    need = Math.max(ts, sa, da, dp, pr) + 1;
    summary = false;
  }

  return {
    line(buf, from, to, rec) {
      if (from === to) {
        summary = true;
        return SKIP;
      }
      const c = buf[from]!;
      if (c === 116 /* t */ && to - from > 3 && is(buf, from, from + 3, 'ts,')) {
        header(text(buf, from, to));
        if (sa < 0 || da < 0 || pr < 0) return rec.reject('the header names no sa, da or pr column');
        return SKIP;
      }
      if (summary) return SKIP;
      if (is(buf, from, to, 'Summary')) {
        summary = true;
        return SKIP;
      }
      if (is(buf, from, to, 'No matching flows')) return SKIP;
      let n = 0;
      let i = from;
      while (i <= to && n < 128) {
        starts[n] = i;
        while (i < to && buf[i] !== 44) i++;
        ends[n++] = i;
        i++;
        if (n >= need) break;
      }
      if (n < need) return rec.reject(`${E.fields} (${n} of ${need})`);
      let err = address(buf, starts[sa]!, ends[sa]!, rec, 0);
      if (err !== null) return rec.reject(`sa: ${err}`);
      err = address(buf, starts[da]!, ends[da]!, rec, 1);
      if (err !== null) return rec.reject(`da: ${err}`);
      const p = protocol(buf, starts[pr]!, ends[pr]!);
      if (p < 0) return rec.reject(`pr: ${E.proto}`);
      err = service(rec, p, dp < 0 ? -1 : uint(buf, starts[dp]!, ends[dp]!, 5), E);
      if (err !== null) return rec.reject(`dp: ${err}`);
      rec.time = Number.NaN;
      if (ts >= 0) {
        rec.time = isoTime(buf, starts[ts]!, ends[ts]!);
        if (Number.isNaN(rec.time)) return rec.reject(`ts: ${E.time}`);
      }
      settle(rec);
      return PARSED;
    },
    example: exampleText,
  };
}
