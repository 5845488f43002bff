/**
 * The audit result as people and CI read it: text (grouped by finding kind, violations first),
 * Markdown (a pull-request comment), GitHub workflow annotations and SARIF 2.1.0. Annotations and
 * SARIF locations point into the DEVICE file at the deciding rule's line, so findings show up on
 * the firewall configuration in a pull request.
 */
import { escapeData, escapeProperty } from '../report/github.js';
import type { ReportMeta } from '../report/meta.js';
import { reportPath } from '../report/meta.js';
import { artifactLocation, sarifLog } from '../report/sarif.js';
import { escapeLine } from '../report/text.js';
import type { AuditFinding, AuditResult, DeviceAudit, DeviceRef, FindingKind } from './audit.js';
import { FINDING_KINDS } from './audit.js';

const TITLES: Record<FindingKind, string> = {
  violation: 'Violations: the device forwards what the tier model or a deny rule forbids',
  ungranted: 'Ungranted: the device forwards what no policy rule grants',
  outage: 'Outages: the device drops what the policy allows',
  unreachable: 'Unreachable rules: no new connection reaches them',
};

const KIND_RULES: Record<FindingKind, { id: string; text: string; help: string; level: 'error' | 'warning' | 'note' }> = {
  violation: {
    id: 'AUDIT-VIOLATION',
    level: 'error',
    text: 'The device forwards new connections the policy denies (a tier-model ceiling or an explicit deny).',
    help: 'Narrow or remove the device rule, or route the flow through a sanitizer; see docs/audit.md.',
  },
  ungranted: {
    id: 'AUDIT-UNGRANTED',
    level: 'error',
    text: 'The device forwards new connections no policy rule grants.',
    help: 'Narrow the device rule, or add the grant to the rule files if the flow is wanted.',
  },
  outage: {
    id: 'AUDIT-OUTAGE',
    level: 'warning',
    text: 'The device drops new connections the policy allows.',
    help: 'Open the flow on the device, or deny it in the rule files if it is not wanted.',
  },
  unreachable: {
    id: 'AUDIT-UNREACHABLE',
    level: 'warning',
    text: 'A device rule that no new connection reaches.',
    help: 'Remove the rule or move it before the rules that shadow it.',
  },
};

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function summary(d: DeviceAudit): string {
  const c = d.counts;
  return `${plural(c.violation, 'violation')}, ${c.ungranted} ungranted, ${plural(c.outage, 'outage')}, ${c.unreachable} unreachable`;
}

function where(ref: DeviceRef): string {
  const at = ref.line === null ? '' : `:${ref.line}:${ref.col ?? 1}`;
  return ref.default ? `${escapeLine(ref.file)}${at} (chain ${ref.chain} default ${ref.action})` : `${escapeLine(ref.file)}${at}`;
}

const SHOW_SHADOWS = 3;

function shadows(list: DeviceRef[] | undefined): string {
  if (!list || list.length === 0) return '';
  const shown = list
    .slice(0, SHOW_SHADOWS)
    .map((s) => `\n      ${where(s)}: ${ruleText(s)}`)
    .join('');
  return `; shadowed by:${shown}${list.length > SHOW_SHADOWS ? `\n      … and ${list.length - SHOW_SHADOWS} more` : ''}`;
}

function ruleText(ref: DeviceRef): string {
  return ref.default ? `default policy of ${ref.chain}: ${ref.action}` : escapeLine(ref.text ?? '');
}

function findingLine(f: AuditFinding): string {
  if (f.kind === 'unreachable') {
    return `  ${where(f.device)}: ${ruleText(f.device)}\n    ${f.reason}${shadows(f.shadowedBy)}\n`;
  }
  const w = f.witness!;
  const rule = f.policy!.rule ? ` ${f.policy!.rule}` : '';
  return (
    `  ${where(f.device)}: ${f.code}${rule} ${f.src!.segment} (${f.src!.tier}) → ${f.dst!.segment} (${f.dst!.tier}), e.g. ${w.src} → ${w.dst} ${w.service}\n` +
    `    device: ${ruleText(f.device)}\n    policy: ${escapeLine(f.policy!.message)}\n`
  );
}

export function formatAuditText(result: AuditResult): string {
  let out = '';
  for (const d of result.devices) {
    out += `${escapeLine(d.file)} (${d.format}, IPv${d.families.join('+IPv')}, ${plural(d.rules, 'rule')}): ${summary(d)}\n`;
    for (const kind of FINDING_KINDS) {
      const list = d.findings.filter((f) => f.kind === kind);
      if (d.counts[kind] === 0) continue;
      out += `\n${TITLES[kind]} (${d.counts[kind]})\n`;
      for (const f of list) out += findingLine(f);
      if (list.length < d.counts[kind]) out += `  … ${d.counts[kind] - list.length} more not listed (--max-findings)\n`;
    }
    if (d.stateRules.length > 0) {
      out += `\nReturn-traffic rules (match no new connection by design, not findings): ${d.stateRules.map((r) => `${r.line ?? '?'}:${r.col ?? 1}`).join(', ')}\n`;
    }
    out += '\n';
  }
  if (result.incomplete) out += `warning: ${plural(result.warnings.length, 'statement')} not understood (--lenient); the verdict may be incomplete\n`;
  out += result.verdict === 'compliant' ? 'compliant: the devices forward exactly what the policy allows\n' : 'findings: the devices do not enforce the policy as written\n';
  return out;
}

const md = (s: string): string => s.replace(/[|\\`*_[\]<>]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ');
const code = (s: string): string => `\`${s.replace(/`/g, "'").replace(/[\r\n]+/g, ' ')}\``;

export function formatAuditMarkdown(result: AuditResult): string {
  let out = `## sanso audit: ${result.verdict === 'compliant' ? 'compliant' : 'findings'}\n\n`;
  if (result.incomplete) out += `> **Warning:** ${plural(result.warnings.length, 'statement')} not understood (--lenient); the verdict may be incomplete.\n\n`;
  for (const d of result.devices) {
    out += `### ${md(d.file)} (${d.format})\n\n${summary(d)}.\n\n`;
    for (const kind of FINDING_KINDS) {
      if (d.counts[kind] === 0) continue;
      const list = d.findings.filter((f) => f.kind === kind);
      out += `#### ${TITLES[kind]} (${d.counts[kind]})\n\n`;
      if (kind === 'unreachable') {
        out += '| device rule | why | shadowed by |\n|---|---|---|\n';
        for (const f of list)
          out += `| ${md(where(f.device))} ${code(ruleText(f.device))} | ${md(f.reason ?? '')} | ${(f.shadowedBy ?? []).map((s) => `${s.line}:${s.col ?? 1}`).join(', ')} |\n`;
      } else {
        out += '| device rule | code | from → to | witness | policy |\n|---|---|---|---|---|\n';
        for (const f of list) {
          const w = f.witness!;
          out += `| ${md(where(f.device))} ${code(ruleText(f.device))} | ${f.code}${f.policy!.rule ? ` ${md(f.policy!.rule)}` : ''} | ${md(f.src!.segment)} → ${md(f.dst!.segment)} | ${code(`${w.src} → ${w.dst} ${w.service}`)} | ${md(f.policy!.message)} |\n`;
        }
      }
      if (list.length < d.counts[kind]) out += `\n${d.counts[kind] - list.length} more not listed.\n`;
      out += '\n';
    }
  }
  return out;
}

function message(f: AuditFinding): string {
  if (f.kind === 'unreachable') {
    const by = f.shadowedBy && f.shadowedBy.length > 0 ? ` Shadowed by ${f.shadowedBy.map((s) => `${s.line}:${s.col ?? 1} ${s.text ?? ''}`).join('; ')}.` : '';
    return `Unreachable rule: ${f.reason}.${by}`;
  }
  const w = f.witness!;
  const verb = f.kind === 'outage' ? 'drops' : 'forwards';
  return `${f.kind}: the device ${verb} ${f.src!.segment} → ${f.dst!.segment} (e.g. ${w.src} → ${w.dst} ${w.service}); policy: ${f.policy!.decision} ${f.code}${f.policy!.rule ? ` ${f.policy!.rule}` : ''}. ${f.policy!.message}`;
}

export function formatAuditGithub(result: AuditResult, meta: Pick<ReportMeta, 'root' | 'cwd' | 'files' | 'version' | 'tool'>): string {
  let out = '';
  for (const d of result.devices) {
    for (const f of d.findings) {
      const level = KIND_RULES[f.kind].level === 'error' ? 'error' : 'warning';
      const props = [
        `file=${escapeProperty(reportPath(f.device.file, meta))}`,
        `line=${f.device.line ?? 1}`,
        `col=${f.device.col ?? 1}`,
        `title=${escapeProperty(KIND_RULES[f.kind].id)}`,
      ].join(',');
      out += `::${level} ${props}::${escapeData(message(f))}\n`;
    }
  }
  if (result.incomplete) out += `::warning ::${escapeData('sanso audit ran with --lenient and skipped statements it does not understand; the verdict may be incomplete')}\n`;
  return out;
}

export function formatAuditSarif(result: AuditResult, meta: Pick<ReportMeta, 'root' | 'cwd' | 'files' | 'version' | 'tool'>): string {
  const loc = (file: string, line: number | null, col: number | null) => ({
    physicalLocation: {
      artifactLocation: artifactLocation(file, meta),
      region: { startLine: line ?? 1, ...(col !== null ? { startColumn: col } : {}) },
    },
  });
  const results = result.devices.flatMap((d) =>
    d.findings.map((f) => ({
      ruleId: KIND_RULES[f.kind].id,
      ruleIndex: FINDING_KINDS.indexOf(f.kind),
      level: KIND_RULES[f.kind].level,
      message: { text: message(f) },
      locations: [loc(f.device.file, f.device.line, f.device.col)],
      ...(f.shadowedBy && f.shadowedBy.length > 0
        ? { relatedLocations: f.shadowedBy.map((s, i) => ({ id: i, ...loc(s.file, s.line, s.col), message: { text: 'shadowing rule' } })) }
        : {}),
      partialFingerprints: { auditFinding: `${f.kind}/${f.code ?? ''}/${f.src?.segment ?? ''}/${f.dst?.segment ?? ''}/${f.device.chain}/${f.device.text ?? 'default'}` },
      properties: { code: f.code, src: f.src, dst: f.dst, witness: f.witness, policyRule: f.policy?.rule ?? null },
    })),
  );
  return sarifLog(
    meta.tool,
    FINDING_KINDS.map((k) => KIND_RULES[k]),
    {
      results,
      properties: {
        policyVersion: result.policyVersion,
        asOf: result.asOf,
        incomplete: result.incomplete,
        counts: Object.fromEntries(result.devices.map((d) => [d.file, d.counts])),
      },
    },
  );
}
