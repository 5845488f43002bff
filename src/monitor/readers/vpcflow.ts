/**
 * AWS VPC Flow Logs, versions 2 to 5 (AWS VPC User Guide, "Flow log records"): fields separated
 * by single spaces in the log format's order. The default format is version 2:
 *   version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
 * A custom format (any fields of v2-v5, any order) is read from its header line, which flow logs
 * delivered to S3 start with (names with hyphens; `${name}` as in the format string and
 * underscores as in Parquet are accepted too). Read: srcaddr, dstaddr, dstport, protocol
 * (IANA number) and start (Unix seconds). A record with log-status NODATA or SKIPDATA holds no
 * flow ("-" in the flow fields) and is skipped; "-" in a flow field otherwise is an error.
 */
import { address, is, protocol, service, settle, text, uint } from '../fields.js';
import { PARSED, RECORD_ERRORS, SKIP } from '../record.js';
import { epochTime } from '../time.js';
import { exampleText, type LogReader } from './reader.js';

const E = RECORD_ERRORS;
export const VPC_V2_FIELDS = [
  'version',
  'account-id',
  'interface-id',
  'srcaddr',
  'dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'packets',
  'bytes',
  'start',
  'end',
  'action',
  'log-status',
];
/** Every field name of versions 2 to 5; a header line is a line of these names only. */
const KNOWN = new Set([
  ...VPC_V2_FIELDS,
  'vpc-id',
  'subnet-id',
  'instance-id',
  'tcp-flags',
  'type',
  'pkt-srcaddr',
  'pkt-dstaddr',
  'region',
  'az-id',
  'sublocation-type',
  'sublocation-id',
  'pkt-src-aws-service',
  'pkt-dst-aws-service',
  'flow-direction',
  'traffic-path',
  'ecs-cluster-arn',
  'ecs-cluster-name',
  'ecs-container-instance-arn',
  'ecs-container-instance-id',
  'ecs-container-id',
  'ecs-second-container-id',
  'ecs-service-name',
  'ecs-task-definition-arn',
  'ecs-task-arn',
  'ecs-task-id',
  'reject-reason',
]);

function normalise(name: string): string {
  const n = name.startsWith('${') && name.endsWith('}') ? name.slice(2, -1) : name;
  return n.replace(/_/g, '-');
}

export function vpcflowReader(): LogReader {
  let fields = VPC_V2_FIELDS;
  let src = 3;
  let dst = 4;
  let dport = 6;
  let proto = 7;
  let start = 10;
  let status = 13;
  const starts = new Int32Array(64);
  const ends = new Int32Array(64);

  function header(line: string): boolean {
    const names = line.trim().split(/ +/).map(normalise);
    if (names.length === 0 || !names.every((n) => KNOWN.has(n))) return false;
    fields = names;
    src = names.indexOf('srcaddr');
    dst = names.indexOf('dstaddr');
    dport = names.indexOf('dstport');
    proto = names.indexOf('protocol');
    start = names.indexOf('start');
    status = names.indexOf('log-status');
    return true;
  }

  return {
    line(buf, from, to, rec) {
      if (from === to) return SKIP;
      const c = buf[from]!;
      // Records start with a digit (version) or a field value; a header with a letter.
      if ((c < 48 || c > 57) && header(text(buf, from, to))) {
        if (src < 0 || dst < 0 || proto < 0) return rec.reject('the header names no srcaddr, dstaddr or protocol: not a format sanso can decide');
        return SKIP;
      }
      let n = 0;
      let i = from;
      while (i <= to && n < 64) {
        starts[n] = i;
        while (i < to && buf[i] !== 32) i++;
        ends[n++] = i;
        i++;
      }
      if (n < fields.length) return rec.reject(`${E.fields} (${n} of ${fields.length})`);
      if (status >= 0 && (is(buf, starts[status]!, ends[status]!, 'NODATA') || is(buf, starts[status]!, ends[status]!, 'SKIPDATA'))) return SKIP;
      let err = address(buf, starts[src]!, ends[src]!, rec, 0);
      if (err !== null) return rec.reject(`srcaddr: ${err}`);
      err = address(buf, starts[dst]!, ends[dst]!, rec, 1);
      if (err !== null) return rec.reject(`dstaddr: ${err}`);
      const p = protocol(buf, starts[proto]!, ends[proto]!);
      if (p < 0) return rec.reject(`protocol: ${E.proto}`);
      err = service(rec, p, dport < 0 ? -1 : uint(buf, starts[dport]!, ends[dport]!, 5), E);
      if (err !== null) return rec.reject(`dstport: ${err}`);
      rec.time = Number.NaN;
      if (start >= 0) {
        rec.time = epochTime(buf, starts[start]!, ends[start]!);
        if (Number.isNaN(rec.time)) return rec.reject(`start: ${E.time}`);
      }
      settle(rec);
      return PARSED;
    },
    example: exampleText,
  };
}
