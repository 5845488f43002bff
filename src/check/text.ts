/**
 * The change-request result as a report for people (`sanso check` without --json): a summary,
 * then the rules grouped by verdict, worst first, each finding on one line with its witness and
 * the decision's message (which cites the clause of the basic policy) beneath it.
 */
import { TIER_NAMES, type Lang } from '../i18n/messages.js';
import type { Tier } from '../model/types.js';
import { escapeLine } from '../problems/escape.js';
import type { ChangeRequest, CheckResult, Finding, RuleResult, Verdict } from './types.js';

const WORDS = {
  en: {
    request: 'change request',
    verdict: { violation: 'VIOLATION', ungranted: 'UNGRANTED', compliant: 'COMPLIANT' } as Record<Verdict, string>,
    heading: {
      violation: 'violation — the tier model or an explicit deny forbids flows this rule opens',
      ungranted: 'ungranted — no rule of the policy grants flows this rule opens',
      compliant: 'compliant',
    } as Record<Verdict, string>,
    policy: (version: string, asOf: string) => `policy ${version}, exceptions as of ${asOf}`,
    rule: 'rule',
    allow: 'allow',
    deny: 'deny',
    rules: (n: number) => `${n} rule${n === 1 ? '' : 's'}`,
    eg: 'e.g.',
    empty: 'stands for no flow (no source and destination of the same address family)',
    denials: (n: number) => `${n} denied (source segment, destination segment) pair${n === 1 ? '' : 's'} by code`,
    blocks: (n: number) => `would block ${n} allowed (source segment, destination segment) pair${n === 1 ? '' : 's'} by code`,
    none: (action: string) => (action === 'allow' ? 'every flow inside it is allowed' : 'it blocks nothing the policy allows'),
    more: (n: number, max: number) => `… ${n} more not listed (findings stop at ${max}; the counts above are exact)`,
    tier: (t: Tier): string => t,
  },
  ja: {
    request: '変更申請',
    verdict: { violation: '違反', ungranted: '未許可', compliant: '適合' } as Record<Verdict, string>,
    heading: {
      violation: '違反 — 三層の対策または拒否ルールが禁じる通信を開くルール',
      ungranted: '未許可 — ポリシーのどのルールも許可していない通信を開くルール',
      compliant: '適合',
    } as Record<Verdict, string>,
    policy: (version: string, asOf: string) => `ポリシー ${version}、例外の判定日 ${asOf}`,
    rule: 'ルール',
    allow: '許可',
    deny: '拒否',
    rules: (n: number) => `${n} 件`,
    eg: '例',
    empty: '通信を一つも表しません（送信元と宛先に同じアドレスファミリーがありません）',
    denials: (n: number) => `拒否される（送信元セグメント, 宛先セグメント）の組 ${n} 件（コード別）`,
    blocks: (n: number) => `ポリシーが許可している（送信元セグメント, 宛先セグメント）の組 ${n} 件を遮断します（コード別）`,
    none: (action: string) => (action === 'allow' ? 'ルール内の通信はすべて許可されています' : 'ポリシーが許可している通信を遮断しません'),
    more: (n: number, max: number) => `… ほか ${n} 件（一覧は ${max} 件まで。上の件数は正確です）`,
    tier: (t: Tier): string => TIER_NAMES.ja[t],
  },
};

const ORDER: Verdict[] = ['violation', 'ungranted', 'compliant'];

function side(w: (typeof WORDS)[Lang], s: Finding['src']): string {
  return `${escapeLine(s.segment)} (${w.tier(s.tier)})`;
}

function ruleLines(w: (typeof WORDS)[Lang], r: RuleResult, request: ChangeRequest, maxListed: number): string[] {
  const text = request.rules[r.index]?.text;
  const show = (xs: string[] | undefined) => escapeLine((xs ?? []).join(', '));
  const lines = [`  ${w.rule} ${r.index}: ${r.action === 'allow' ? w.allow : w.deny}  ${show(text?.src)} → ${show(text?.dst)}  ${show(text?.services)}`];
  if (r.empty) {
    lines.push(`    ${w.empty}`);
    return lines;
  }
  const entries = Object.entries(r.counts);
  const total = entries.reduce((n, [, c]) => n + (c ?? 0), 0);
  if (total === 0) {
    lines.push(`    ${w.none(r.action)}`);
    return lines;
  }
  const counts = entries.map(([code, n]) => `${code} ${n}`).join(', ');
  lines.push(`    ${r.action === 'allow' ? w.denials(total) : w.blocks(total)}: ${counts}`);
  const width = Math.max(...r.findings.map((f) => f.code.length));
  for (const f of r.findings) {
    const rule = f.rule ? ` [${escapeLine(f.rule)}]` : '';
    lines.push(`    ${f.code.padEnd(width)}  ${side(w, f.src)} → ${side(w, f.dst)}  ${w.eg} ${f.witness.src} → ${f.witness.dst} ${f.witness.service}${rule}`);
    lines.push(`    ${' '.repeat(width)}  ${escapeLine(f.message)}`);
  }
  if (r.truncated) lines.push(`    ${w.more(total - r.findings.length, maxListed)}`);
  return lines;
}

export function formatCheckText(result: CheckResult, request: ChangeRequest, lang: Lang, maxListed = 1000): string {
  const w = WORDS[lang];
  const id = result.id === null ? '' : ` ${escapeLine(result.id)}`;
  const out = [`${w.request}${id}: ${w.verdict[result.verdict]}  (${w.policy(result.policyVersion, result.asOf)})`];
  for (const verdict of ORDER) {
    const rules = result.rules.filter((r) => r.verdict === verdict);
    if (rules.length === 0) continue;
    out.push('', `${w.heading[verdict]} (${w.rules(rules.length)})`);
    for (const r of rules) out.push(...ruleLines(w, r, request, maxListed));
  }
  return `${out.join('\n')}\n`;
}
