/**
 * One rule set through the kernel and through sanso: load it into the firewall namespace, send
 * every flow, read what arrived; parse the firewall's own dump (`iptables-save`,
 * `nft -j list ruleset`) and evaluate every flow with the naive device reference; compare.
 */
import { expandInterfaces } from '../../src/device/interfaces.js';
import { parseIptablesSave } from '../../src/device/iptables.js';
import { parseNftJson } from '../../src/device/nft.js';
import type { Device, ParseResult } from '../../src/device/types.js';
import { parseV4, parseV6 } from '../../src/device/addresses.js';
import { evaluateDevice } from '../reference/device.js';
import { type AbsFlow, type AbsRuleSet, allFlows, directVerdict, hostText, IN_IF, OUT_IF, renderIptables, renderNftJson } from '../reference/linux-ruleset.js';
import { absFlowKey, type Lab } from './lab.js';
import { sanso } from '../cli/run.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Disagreement {
  flow: AbsFlow;
  kernel: 'accept' | 'drop';
  sanso: 'accept' | 'drop';
  direct: 'accept' | 'drop';
  /** The device rule (or chain default) sanso says decided. */
  decidedBy: string;
}

export interface Comparison {
  flows: number;
  accepted: number;
  parse: ParseResult;
  /** sanso's verdict differs from the kernel's. */
  disagreements: Disagreement[];
  /** The generator's own semantics differ from the kernel's (a fault of the test, not of sanso). */
  directWrong: Disagreement[];
  loaded: string;
  dump: string;
  /** The kernel's verdict on every flow of allFlows(), in order. */
  kernel: ('accept' | 'drop')[];
}

/** sanso's verdict on one flow from the parsed devices (a family no device filters is forwarded). */
export function sansoVerdict(devices: Device[], f: AbsFlow): { action: 'accept' | 'drop'; by: string } {
  const device = devices.find((d) => d.families.includes(f.fam));
  if (!device) return { action: 'accept', by: '(no device filters this family)' };
  const src = f.fam === 4 ? parseV4(hostText(4, 'a', f.src))! : parseV6(hostText(6, 'a', f.src))!;
  const dst = f.fam === 4 ? parseV4(hostText(4, 'b', f.dst))! : parseV6(hostText(6, 'b', f.dst))!;
  const key = f.proto * 65536 + (f.proto === 6 || f.proto === 17 ? f.port : 0);
  const v = evaluateDevice(device, { family: f.fam, src, dst, key, inIf: IN_IF, outIf: OUT_IF });
  return { action: v.action, by: v.rule ? `${v.rule.loc.line}:${v.rule.loc.col} ${v.rule.text}` : `policy of ${v.chain}` };
}

/** The devices with interface patterns expanded over the firewall's interfaces. */
export function forLab(devices: Device[]): Device[] {
  return devices.map((d) => expandInterfaces(d, [IN_IF, OUT_IF, 'lo']));
}

export async function compareWithKernel(lab: Lab, rs: AbsRuleSet): Promise<Comparison> {
  let loaded: string;
  let dump: string;
  let parse: ParseResult;
  if (rs.flavor === 'iptables') {
    const text = renderIptables(rs);
    loaded = text.v4 + text.v6;
    await lab.loadIptables(text.v4, text.v6);
    dump = await lab.dumpIptables();
    parse = parseIptablesSave(dump, 'iptables-save', { lenient: false });
  } else {
    loaded = renderNftJson(rs);
    await lab.loadNftJson(loaded);
    dump = await lab.dumpNft();
    parse = parseNftJson(dump, 'nft.json', { lenient: false });
  }
  const devices = forLab(parse.devices);
  const flows = allFlows();
  let seen = await lab.probe(flows);
  const verdicts = flows.map((f) => ({ f, s: sansoVerdict(devices, f), d: directVerdict(rs, f) }));
  // A flow sanso or the generator says is forwarded but did not arrive is sent once more, alone,
  // so that a packet lost on the veths is never taken for a drop.
  const retry = verdicts.filter((v) => (v.s.action === 'accept' || v.d === 'accept') && !seen.has(absFlowKey(v.f))).map((v) => v.f);
  if (retry.length > 0) {
    const again = await lab.probe(retry, 1);
    seen = new Set([...seen, ...again]);
  }
  const disagreements: Disagreement[] = [];
  const directWrong: Disagreement[] = [];
  let accepted = 0;
  const kernelVerdicts: ('accept' | 'drop')[] = [];
  for (const { f, s, d } of verdicts) {
    const kernel = seen.has(absFlowKey(f)) ? 'accept' : 'drop';
    kernelVerdicts.push(kernel);
    if (kernel === 'accept') accepted++;
    const row = { flow: f, kernel, sanso: s.action, direct: d, decidedBy: s.by } as const;
    if (s.action !== kernel) disagreements.push(row);
    if (d !== kernel) directWrong.push(row);
  }
  return { flows: flows.length, accepted, parse, disagreements, directWrong, loaded, dump, kernel: kernelVerdicts };
}

/** The rule set and interfaces file `sanso audit --flows` reads the kernel test's flows with. */
const AUDIT_RULES = `policy:
  name: Kernel test
segments:
  - name: hosts-a
    tier: lgwan
    cidrs: [198.18.16.0/28, 2001:db8:1a::/124]
  - name: hosts-b
    tier: lgwan
    cidrs: [198.18.32.0/28, 2001:db8:1b::/124]
  - name: elsewhere
    tier: lgwan
    cidrs: [198.18.48.0/28]
`;
/** Every interface name the generator uses: flows enter by lan0 and leave by wan0. */
const AUDIT_INTERFACES = 'lan0: [hosts-a]\nwan0: [hosts-b]\neth0: [elsewhere]\n';

function serviceText(f: AbsFlow): string {
  if (f.proto === 6 || f.proto === 17) return `${f.proto === 6 ? 'tcp' : 'udp'}/${f.port}`;
  if (f.proto === 1) return 'icmp';
  if (f.proto === 58) return 'icmpv6';
  return `proto/${f.proto}`;
}

/**
 * What `sanso audit DUMP --flows -` says the device does with each flow (in order): the audit
 * engine's own reading of the same dump the kernel was loaded from, compared with the kernel too.
 */
export async function auditFlowsVerdicts(dump: string, format: 'iptables' | 'nft', flows: AbsFlow[]): Promise<{ verdicts: ('accept' | 'drop')[] } | { error: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sanso-kernel-audit-'));
  try {
    writeFileSync(join(dir, 'rules.yaml'), AUDIT_RULES);
    writeFileSync(join(dir, 'interfaces.yaml'), AUDIT_INTERFACES);
    writeFileSync(join(dir, 'dump'), dump);
    const csv = flows.map((f) => `${hostText(f.fam, 'a', f.src)},${hostText(f.fam, 'b', f.dst)},${serviceText(f)}`).join('\n');
    const r = await sanso(
      ['audit', join(dir, 'dump'), '--device-format', format, '--interfaces', join(dir, 'interfaces.yaml'), '--rules', join(dir, 'rules.yaml'), '--flows', '-'],
      `${csv}\n`,
    );
    const lines = r.out.split('\n').filter((l) => l !== '');
    if (lines.length !== flows.length) return { error: `exit ${r.code}, ${lines.length} answers for ${flows.length} flows: ${r.err.slice(0, 500)}${lines[0] ?? ''}` };
    const verdicts: ('accept' | 'drop')[] = [];
    for (const [k, l] of lines.entries()) {
      const a = JSON.parse(l) as { device?: { action: 'accept' | 'drop' } | null; error?: string };
      if (a.error !== undefined) return { error: `flow ${k + 1}: ${a.error}` };
      // No device filters the flow's family (an nft ruleset of ip tables only, say): the audit
      // does not judge it, and the kernel forwards it unfiltered.
      verdicts.push(a.device?.action ?? 'accept');
    }
    return { verdicts };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
