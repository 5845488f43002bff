/**
 * Device fixtures carry their own expectations as comments, so one file is the statement, its
 * expected meaning and (for refusals) the expected problem with its LINE:COL:
 *
 *   # expect: DEVICE-REWRITE 12:25        a problem with this code at this line and column
 *   # flow: SRC DST SERVICE IN OUT → accept@ID | drop@ID | drop@default
 *   # flow: SRC DST SERVICE [IN OUT] -> accept | drop   (iptables, nft: the verdict alone)
 *   # device: NAME                        flows that follow are asked of this device
 *
 * (`!` and `<!--` open the comment in ASA and XML files; IN/OUT are `-` when the device does not
 * name interfaces for the flow.) runFixtures() is the one runner every parser's fixtures go
 * through.
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseServiceRange } from '../../src/model/services.js';
import { parseV4, parseV6 } from '../../src/device/addresses.js';
import { expandInterfaces } from '../../src/device/interfaces.js';
import type { Device, ParseResult } from '../../src/device/types.js';
import { type DeviceFlow, evaluateDevice } from '../reference/device.js';

const EXPECT = /(?:#|!|<!--)\s*expect: (\S+) (\d+):(\d+)/;
const FLOW = /(?:#|!|<!--)\s*flow: (\S+) (\S+) (\S+)(?: (\S+) (\S+))? (?:→|->) (accept|drop)(?:@(\S+))?/;
const FLOW_LINE = /(?:#|!|<!--)\s*flow: /;
const DEVICE = /(?:#|!|<!--)\s*device: (\S+)/;

export interface Expectations {
  problems: { code: string; line: number; col: number }[];
  /** `by` is null where the fixture states the verdict alone; `given` whether IN OUT were written. */
  flows: { device: string | null; flow: DeviceFlow; text: string; action: 'accept' | 'drop'; by: string | null; given: boolean }[];
  /** `flow:` lines that do not read as a flow (a broken fixture, failed by the runner). */
  malformed: string[];
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
  const out: Expectations = { problems: [], flows: [], malformed: [] };
  let device: string | null = null;
  for (const line of text.split('\n')) {
    const d = DEVICE.exec(line);
    if (d) device = d[1]!;
    const e = EXPECT.exec(line);
    if (e) out.problems.push({ code: e[1]!, line: Number(e[2]), col: Number(e[3]) });
    const f = FLOW.exec(line);
    if (f)
      out.flows.push({
        device,
        flow: flowOf(f[1]!, f[2]!, f[3]!, f[4] ?? '-', f[5] ?? '-'),
        text: line.trim(),
        action: f[6] as 'accept' | 'drop',
        by: f[7] ?? null,
        given: f[4] !== undefined,
      });
    else if (FLOW_LINE.test(line)) out.malformed.push(line.trim());
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

export interface Fixture {
  name: string;
  /** The file the parser is given (problems must name it). */
  file: string;
  text: string;
  /** Where the expectations are written: the text itself, or (nft JSON) the ruleset beside it. */
  expectText: string;
}

/** The fixtures of a directory whose names match, each carrying its own expectations. */
export function fixturesIn(dir: string, files: RegExp): Fixture[] {
  return readdirSync(dir)
    .filter((f) => files.test(f))
    .sort()
    .map((f) => {
      const file = join(dir, f);
      const text = readFileSync(file, 'utf8');
      return { name: f, file, text, expectText: text };
    });
}

export interface FixtureRun {
  fixtures: readonly Fixture[];
  parse(text: string, file: string, opts: { lenient: boolean }): ParseResult;
  /** The format's detector and its name, where the format is detected from the text. */
  detect?: { vendor: string; fn: (text: string) => boolean };
  /**
   * What --lenient must do. `stays`: (appliances) every problem becomes a warning except these
   * codes; good-* fixtures have no problem at all, others exactly the expected errors in file
   * order. `becomes`: (iptables, nft) exactly these codes become warnings, the rest stay errors;
   * every fixture has exactly the expected problems, errors without --lenient, at the same
   * positions with it.
   */
  lenient: { stays: readonly string[] } | { becomes: ReadonlySet<string> };
  /**
   * Flows: the interfaces wildcards are expanded to, and the ones a flow without IN OUT uses;
   * without it a flow is asked as written.
   */
  interfaces?: { known: readonly string[]; in: string; out: string };
}

const posOf = (p: { code: string; line: number; col: number }): string => `${p.code} ${p.line}:${p.col}`;

/** One tap subtest per fixture: its problems at their LINE:COL, --lenient, and its flows. */
export function runFixtures(run: FixtureRun): void {
  for (const fx of run.fixtures) {
    t.test(fx.name, async (t) => {
      const expect = readExpectations(fx.expectText);
      t.ok(expect.problems.length > 0 || expect.flows.length > 0, 'the fixture states an expectation');
      for (const m of expect.malformed) t.fail(`malformed flow line: ${m}`);
      if (run.detect) t.ok(run.detect.fn(fx.text), `detected as ${run.detect.vendor}`);
      const r = run.parse(fx.text, fx.file, { lenient: false });
      const lenient = run.parse(fx.text, fx.file, { lenient: true });
      if ('stays' in run.lenient) {
        const stays = run.lenient.stays;
        const errors = r.problems.filter((p) => p.severity === 'error');
        if (fx.name.startsWith('good-')) t.same(problemList(r), [], 'no problems');
        else {
          t.same(problemList({ devices: [], problems: errors }), expect.problems.map(posOf), 'the expected errors, at their LINE:COL');
          t.ok(
            errors.every((p) => p.loc.file === fx.file),
            'problems name the file',
          );
          t.ok(
            lenient.problems.every((p) => p.severity === 'warning' || stays.includes(p.code)),
            '--lenient turns refusals into warnings',
          );
        }
      } else {
        const becomes = run.lenient.becomes;
        const want = expect.problems.map(posOf).sort();
        t.same(problemList(r).sort(), want, 'problems', { messages: r.problems.map((p) => p.message) });
        for (const p of r.problems) t.equal(p.severity, 'error', `${p.code} is an error without --lenient`);
        t.same(problemList(lenient).sort(), want, 'the same problems with lenient');
        for (const p of lenient.problems) t.equal(p.severity, becomes.has(p.code) ? 'warning' : 'error', `${p.code} with lenient`);
      }
      for (const f of expect.flows) {
        const ifs = run.interfaces;
        const device = f.device ? r.devices.find((d) => d.name === f.device) : ifs ? r.devices.find((d) => d.families.includes(f.flow.family)) : r.devices[0];
        t.ok(device, f.device ? `device ${f.device}` : `a device filters IPv${f.flow.family}`);
        if (!device) continue;
        const flow = ifs && !f.given ? { ...f.flow, inIf: ifs.in, outIf: ifs.out } : f.flow;
        const asked = ifs ? expandInterfaces(device, [...ifs.known]) : device;
        if (f.by === null) {
          const v = evaluateDevice(asked, flow);
          t.equal(v.action, f.action, f.text, { decidedBy: v.rule?.text ?? `policy of ${v.chain}` });
        } else t.equal(verdictOf(asked, flow), `${f.action}@${f.by}`, f.text);
      }
    });
  }
}

/** Every fixture of the other formats' directories (not their public/ sets), and an iptables-save text. */
export function detectsNoneOf(detect: (text: string) => boolean, others: readonly string[]): void {
  t.test('detect is not fooled by the other vendors\u2019 files', async (t) => {
    for (const dir of others) for (const f of fixturesIn(join('test/fixtures/devices', dir), /^(?!public$)/)) t.notOk(detect(f.text), `${dir}/${f.name}`);
    t.notOk(detect('*filter\n:FORWARD DROP [0:0]\n-A FORWARD -j ACCEPT\nCOMMIT\n'), 'iptables-save');
  });
}
