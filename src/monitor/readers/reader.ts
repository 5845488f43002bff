/**
 * What every log reader is: a function from one line (buf[from, to), without its end of line)
 * to PARSED, SKIP or REJECTED, filling a reusable FlowRecord. Readers keep state across lines
 * only where the format has it (a header that names the fields, journald's timestamp line).
 */
import type { FlowRecord } from '../record.js';

export const LOG_FORMATS = ['iptables', 'fortigate', 'vpcflow', 'nfdump-csv', 'jsonl'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LogReader {
  line(buf: Uint8Array, from: number, to: number, rec: FlowRecord): number;
  /**
   * The example kept with a new finding: the line's text, or for JSON lines the object with
   * every field it has. Called once per aggregate, never on the hot path.
   */
  example(buf: Uint8Array, from: number, to: number): unknown;
}

export interface ReaderOptions {
  /** The year for BSD syslog stamps, which carry none (default: the current UTC year). */
  year?: number;
}

/** Longest example line kept (characters); longer lines are cut with "…". */
export const EXAMPLE_MAX = 2000;

export function exampleText(buf: Uint8Array, from: number, to: number): string {
  const s = Buffer.from(buf.buffer, buf.byteOffset + from, to - from).toString('utf8');
  return s.length > EXAMPLE_MAX ? `${s.slice(0, EXAMPLE_MAX)}…` : s;
}
