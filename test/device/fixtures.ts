/**
 * Device fixtures carry their own expectations as comments, so one file is the statement, its
 * expected meaning and (for refusals) the expected problem with its LINE:COL:
 *
 *   # expect: DEVICE-REWRITE 12:25        a problem with this code at this line and column
 *   # flow: SRC DST SERVICE IN OUT → accept@ID | drop@ID | drop@default
 *   # device: NAME                        flows that follow are asked of this device
 *
 * (`!` and `<!--` open the comment in ASA and XML files; IN/OUT are `-` when the device does not
 * name interfaces for the flow.)
 */
import { readFileSync } from 'node:fs';
import { parseServiceRange } from '../../src/model/services.js';
import { parseV4, parseV6 } from '../../src/device/addresses.js';
import type { Device, ParseResult } from '../../src/device/types.js';
import { type DeviceFlow, evaluateDevice } from '../reference/device.js';

const EXPECT = /(?:#|!|<!--)\s*expect: (\S+) (\d+):(\d+)/;
const FLOW = /(?:#|!|<!--)\s*flow: (\S+) (\S+) (\S+) (\S+) (\S+) (?:→|->) (accept|drop)@(\S+)/;
const DEVICE = /(?:#|!|<!--)\s*device: (\S+)/;

export interface Expectations {
  problems: { code: string; line: number; col: number }[];
  flows: { device: string | null; flow: DeviceFlow; text: string; action: 'accept' | 'drop'; by: string }[];
}

export function flowOf(src: string, dst: string, service: string, inIf: string, outIf: string): DeviceFlow {
  const v4 = parseV4(src);
  const family = v4 === null ? 6 : 4;
  const a = v4 ?? parseV6(src);
  const b = family === 4 ? parseV4(dst) : parseV6(dst);
  const s = parseServiceRange(service);
  if (a === null || b === null || !s.ok) throw new Error(`bad flow in fixture: ${src} ${dst} ${service}`);
  return { family, src: a, dst: b, key: s.range.lo, inIf: inIf === '-' ? null : inIf, outIf: outIf === '-' ? null : outIf };
}

export function readExpectations(text: string): Expectations {
  const out: Expectations = { problems: [], flows: [] };
  let device: string | null = null;
  for (const line of text.split('\n')) {
    const d = DEVICE.exec(line);
    if (d) device = d[1]!;
    const e = EXPECT.exec(line);
    if (e) out.problems.push({ code: e[1]!, line: Number(e[2]), col: Number(e[3]) });
    const f = FLOW.exec(line);
    if (f) out.flows.push({ device, flow: flowOf(f[1]!, f[2]!, f[3]!, f[4]!, f[5]!), text: line.trim(), action: f[6] as 'accept' | 'drop', by: f[7]! });
  }
  return out;
}

export function readFixture(path: string): { text: string; expect: Expectations } {
  const text = readFileSync(path, 'utf8');
  return { text, expect: readExpectations(text) };
}

/** What the reference evaluator says, as `accept@ID` or `drop@default`. */
export function verdictOf(device: Device, flow: DeviceFlow): string {
  const v = evaluateDevice(device, flow);
  return `${v.action}@${v.rule ? (v.rule.id ?? `${v.rule.loc.line}`) : 'default'}`;
}

export function problemList(r: ParseResult): string[] {
  return r.problems.map((p) => `${p.code} ${p.loc.line}:${p.loc.col}`);
}
