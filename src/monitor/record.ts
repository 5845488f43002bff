/**
 * One observed flow as the readers leave it: integers in a reusable object, so reading a
 * record allocates nothing on the usual path (IPv4, known protocol names, a timestamp written
 * as digits). Every reader fills the same FlowRecord and answers with one of the three results.
 */

/** The line was a flow record; rec holds it. */
export const PARSED = 0;
/** The line is not a flow record and not an error: a header, a comment, a blank line, another program's syslog line. */
export const SKIP = 1;
/** The line should have been a flow record and is not; rec.reason says why. */
export const REJECTED = 2;

export class FlowRecord {
  /** Addresses as four big-endian words; IPv4 as ::ffff:a.b.c.d (what segment6 resolves). */
  readonly src = new Uint32Array(4);
  readonly dst = new Uint32Array(4);
  /** IPv4 addresses as signed 32-bit numbers when v4 is set: the lookup's fast path. */
  src4 = 0;
  dst4 = 0;
  v4 = false;
  proto = 0;
  /** Destination port for tcp and udp, 0 otherwise. */
  port = 0;
  /** Unix time in milliseconds, NaN where the record has none. */
  time = Number.NaN;
  /** After REJECTED: why (a constant string, or a message built for the rare bad record). */
  reason = '';

  reject(reason: string): number {
    this.reason = reason;
    return REJECTED;
  }
}

/** Why a record is refused; one sentence each, shown with the record's position. */
export const RECORD_ERRORS = {
  noSrc: 'no source address',
  noDst: 'no destination address',
  noProto: 'no protocol',
  noPort: 'tcp or udp without a destination port',
  proto: 'not a protocol name or number 0-255',
  port: 'the destination port is not a number 1-65535',
  time: 'the timestamp is not a date and time',
  fields: 'fewer fields than the header names',
  json: 'not a JSON object',
  tooLong: 'the line is longer than the limit (1 MiB)',
  encoding: 'the line is not valid UTF-8',
} as const;
