/**
 * `sanso audit DEVICE...` (docs/audit.md): does a firewall enforce the policy? Compares, exactly
 * over address and port ranges, the new connections each device forwards with the policy's
 * decisions. Exit 0 no findings, 3 findings, 1 bad input (a device statement not understood, an
 * unmapped interface, a rule set with errors), 2 usage.
 *
 * `--flows FILE|-` answers flows instead: CSV src,dst,service in, one JSON line out per flow with
 * the device's verdict, the policy's decision and whether they agree.
 */
import { readFileSync } from 'node:fs';
import { audit, deviceRef, prepareDevice, type AuditResult, type PreparedDevice } from '../audit/audit.js';
import { parseInterfaces } from '../audit/interfaces.js';
import { DeviceLookup } from '../audit/lookup.js';
import { AuditInputError, type InterfaceMap } from '../audit/partition.js';
import { formatAuditGithub, formatAuditMarkdown, formatAuditSarif, formatAuditText } from '../audit/report.js';
import { DeviceFormatError, FORMAT_NAMES, parseDevice } from '../device/parse.js';
import type { DeviceFormat, DeviceProblem } from '../device/types.js';
import type { Lang } from '../i18n/messages.js';
import { parseAddress } from '../lookup/flow.js';
import { renderDecision } from '../lookup/render.js';
import type { LoadedPolicy } from '../policy.js';
import { formatText, escapeLine } from '../report/text.js';
import { toolInfo } from '../report/tool.js';
import { MAX_FILE_BYTES, parseRuleBytes } from '../source/read.js';
import { mustExist, parse } from './args.js';
import { answerCsvFlows } from './flow-csv.js';
import { loadForCommand } from './decide.js';
import { EXIT, UsageError, type Io } from './io.js';

export const AUDIT_USAGE = `usage: sanso audit DEVICE... [options]

Audits firewall configurations against the rule set: the new connections each DEVICE forwards
are compared with the policy's decisions, exactly over address and port ranges. DEVICE is a
file as the device exports it (iptables-save, ip6tables-save, nft -j list ruleset).
Exit 0 no findings, 3 findings, 1 bad input, 2 usage. See docs/audit.md.

options:
  --device-format F   auto (default) | ${FORMAT_NAMES.join(' | ')}
  --interfaces FILE   YAML: interface or zone name → segments, groups, tier:<tier> or outside
                      behind it. Needed when rules match interfaces (-i/-o, iifname, zones).
  --format F          text (default) | json | sarif | github | markdown
  --flows FILE|-      CSV src,dst,service in; one JSON line out per flow (device verdict,
                      policy decision, agree)
  --lenient           statements sanso does not understand become warnings, not errors; the
                      output then says the verdict may be incomplete
  --max-findings N    findings listed per kind and device (default 1000); counts stay exact
  --lang en|ja        language of policy messages (default en)
  --rules PATH        rule file or directory (default rules/)
  --as-of YYYY-MM-DD  the date exceptions are judged on (default: today in policy.timezone)
`;

const OPTIONS = {
  'device-format': { type: 'string', default: 'auto' },
  interfaces: { type: 'string' },
  format: { type: 'string', default: 'text' },
  flows: { type: 'string' },
  lenient: { type: 'boolean', default: false },
  'max-findings': { type: 'string' },
} as const;

const OUTPUT_FORMATS = ['text', 'json', 'sarif', 'github', 'markdown'] as const;
type OutputFormat = (typeof OUTPUT_FORMATS)[number];

function problemLine(p: { loc: { file: string; line: number; col: number }; severity: string; code: string; message: string }): string {
  return `${escapeLine(p.loc.file)}:${p.loc.line}:${p.loc.col}: ${p.severity} ${p.code} ${escapeLine(p.message)}\n`;
}

function readText(file: string, io: Io): string | null {
  try {
    const bytes = readFileSync(file);
    if (bytes.length > MAX_FILE_BYTES) {
      io.stderr(`sanso: ${file} is larger than ${MAX_FILE_BYTES} bytes\n`);
      return null;
    }
    return bytes.toString('utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    io.stderr(`sanso: cannot read ${file}: ${err.code ?? err.message}\n`);
    return null;
  }
}

/** The interfaces file → the mapping, or null after printing its errors. */
export function loadInterfaces(file: string, policy: LoadedPolicy, io: Io): InterfaceMap | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    io.stderr(`sanso: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return null;
  }
  const problems: Parameters<typeof parseRuleBytes>[2] = [];
  const source = parseRuleBytes(file, bytes, problems);
  if (!source) {
    io.stderr(formatText(problems, { files: [file], version: '', tool: toolInfo() }));
    return null;
  }
  const { map, errors } = parseInterfaces(source, policy.model);
  for (const e of errors) io.stderr(problemLine({ loc: e.loc, severity: 'error', code: 'AUDIT-INTERFACES-INVALID', message: e.message }));
  if (!map) io.stderr(`sanso: ${file} is not a valid interfaces file\n`);
  return map;
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS);
  if (values.help) {
    io.stdout(AUDIT_USAGE);
    return EXIT.OK;
  }
  if (positionals.length === 0) throw new UsageError('audit takes at least one DEVICE file');
  const deviceFormat = values['device-format'];
  if (deviceFormat !== 'auto' && !FORMAT_NAMES.includes(deviceFormat as DeviceFormat)) {
    throw new UsageError(`--device-format takes auto, ${FORMAT_NAMES.join(', ')}; not "${deviceFormat}"`);
  }
  const format = values.format as OutputFormat;
  if (!OUTPUT_FORMATS.includes(format)) throw new UsageError(`--format takes ${OUTPUT_FORMATS.join(', ')}; not "${values.format}"`);
  let maxFindings: number | undefined;
  if (values['max-findings'] !== undefined) {
    maxFindings = Number(values['max-findings']);
    if (!/^\d+$/.test(values['max-findings']) || maxFindings < 1) throw new UsageError(`--max-findings takes a positive whole number, not "${values['max-findings']}"`);
  }
  if (values.flows !== undefined && format !== 'text' && format !== 'json') throw new UsageError('--flows prints JSON lines; it takes no --format');
  const lang = values.lang as Lang;
  for (const p of positionals) mustExist(p, 'DEVICE');
  if (values.interfaces !== undefined) mustExist(values.interfaces, '--interfaces');
  if (values.flows !== undefined) mustExist(values.flows, '--flows');

  const policy = loadForCommand(values.rules, values['as-of'], io, lang);
  if (!policy) return EXIT.BAD_INPUT;
  let ifaces: InterfaceMap | null = null;
  if (values.interfaces !== undefined) {
    ifaces = loadInterfaces(values.interfaces, policy, io);
    if (!ifaces) return EXIT.BAD_INPUT;
  }

  const prepared: PreparedDevice[] = [];
  const warnings: DeviceProblem[] = [];
  let bad = false;
  for (const file of positionals) {
    const text = readText(file, io);
    if (text === null) {
      bad = true;
      continue;
    }
    let parsed;
    try {
      parsed = await parseDevice(text, file, deviceFormat as DeviceFormat | 'auto', { lenient: values.lenient });
    } catch (e) {
      if (e instanceof DeviceFormatError) {
        io.stderr(`sanso: ${e.message}\n`);
        bad = true;
        continue;
      }
      throw e;
    }
    const errors = parsed.problems.filter((p) => p.severity === 'error');
    for (const p of parsed.problems) io.stderr(problemLine(p));
    warnings.push(...parsed.problems.filter((p) => p.severity === 'warning'));
    if (errors.length > 0) {
      io.stderr(
        `sanso: ${file}: ${errors.length} statement${errors.length === 1 ? '' : 's'} sanso cannot audit${values.lenient ? '' : ' (--lenient makes the ones not understood warnings)'}\n`,
      );
      bad = true;
      continue;
    }
    for (const device of parsed.devices) {
      try {
        prepared.push(prepareDevice(device, policy.table, ifaces));
      } catch (e) {
        if (!(e instanceof AuditInputError)) throw e;
        const loc = e.loc ?? { file, line: 1, col: 1 };
        io.stderr(problemLine({ loc, severity: 'error', code: e.code, message: e.message }));
        bad = true;
      }
    }
  }
  if (bad) return EXIT.BAD_INPUT;
  if (warnings.length > 0)
    io.stderr(`sanso: warning: ${warnings.length} statement${warnings.length === 1 ? '' : 's'} not understood and skipped (--lenient); the verdict may be incomplete\n`);

  if (values.flows !== undefined) return flows(prepared, policy, values.flows, lang, io);

  const result = audit(prepared, policy, warnings, { lang, ...(maxFindings === undefined ? {} : { maxFindings }) });
  io.stdout(render(result, format, io));
  return result.verdict === 'compliant' ? EXIT.OK : EXIT.DENY;
}

function render(result: AuditResult, format: OutputFormat, io: Io): string {
  const cwd = process.cwd();
  const meta = { root: io.env.GITHUB_WORKSPACE || cwd, cwd, files: [], version: result.policyVersion, tool: toolInfo() };
  switch (format) {
    case 'json':
      return `${JSON.stringify(result)}\n`;
    case 'sarif':
      return formatAuditSarif(result, meta);
    case 'github':
      return formatAuditGithub(result, meta);
    case 'markdown':
      return formatAuditMarkdown(result);
    default:
      return formatAuditText(result);
  }
}

/**
 * --flows: each flow against the first device whose families hold it (a firewall split into an
 * iptables-save and an ip6tables-save dump answers IPv4 flows from the one, IPv6 from the other).
 */
async function flows(prepared: PreparedDevice[], policy: LoadedPolicy, source: string, lang: Lang, io: Io): Promise<number> {
  const lookups = prepared.map((p) => new DeviceLookup(p));
  // Per device and outcome, the JSON of the "device" member, made once.
  const deviceJson = prepared.map((p) => {
    const n = p.dev.rules.length + p.dev.chains.length;
    return Array.from({ length: n }, (_, o) => {
      const ref = deviceRef(p.dev, o);
      const action = p.ver.accepts[o] === 1 ? 'accept' : 'drop';
      return ref.default
        ? `{"action":"${action}","file":null,"line":null,"text":null,"chain":${JSON.stringify(ref.chain)}}`
        : `{"action":"${action}","file":${JSON.stringify(ref.file)},"line":${ref.line},"text":${JSON.stringify(ref.text)},"chain":${JSON.stringify(ref.chain)}}`;
    });
  });
  const { table } = policy;
  const words = new Uint32Array(8);
  return answerCsvFlows(
    source,
    table,
    io,
    (src, dst, service, out) => {
      // resolveFlow leaves the destination's words; parse both again into our own scratch.
      words.set(out.words, 4);
      parseAddress(src, words);
      const family = words[0] === 0 && words[1] === 0 && words[2] === 0xffff ? 4 : 6;
      let k = 0;
      while (k < lookups.length && !prepared[k]!.dev.device.families.includes(family)) k++;
      const policyJson = renderDecision(table, out.decision, out.srcSeg, out.dstSeg, src, dst, lang);
      const allow = table.decision(out.decision).decision === 'allow';
      // resolveFlow accepted all three, so they hold only [0-9A-Za-z.:/]: nothing to escape.
      const flowJson = `{"src":"${src}","dst":"${dst}","service":"${service}"}`;
      if (k === lookups.length) return `{"flow":${flowJson},"device":null,"policy":${policyJson},"agree":null,"audited":false}`;
      const L = lookups[k]!;
      const sc = L.srcClass(words, 0);
      const dc = L.dstClass(words, 4);
      const o = L.outcome(sc, dc, L.serviceClass(out.proto, out.port));
      const ifaces = prepared[k]!.dev.interfaces;
      const a = L.srcIface[sc]!;
      const b = L.dstIface[dc]!;
      const audited = !ifaces || (a >= 0 && b >= 0 && a !== b);
      return `{"flow":${flowJson},"device":${deviceJson[k]![o]},"policy":${policyJson},"agree":${(L.accepts[o] === 1) === allow},"audited":${audited}}`;
    },
    undefined,
    lang,
  );
}
