/**
 * The self-inspection report (自己点検・監査, docs/report.md) as plain data: everything the HTML
 * shows is computed here from the compiled table, the zone matrix, the validator's warnings and,
 * when given, audit results and decision-log summaries. The renderer only formats.
 */
import { execFileSync } from 'node:child_process';
import { dirname, basename } from 'node:path';
import type { AuditResult } from '../audit/audit.js';
import { ZoneMatrix, type CellKind, type MatrixEntry, type TierCell } from '../matrix/matrix.js';
import { daysBetween } from '../model/dates.js';
import type { Model, Segment, Tier } from '../model/types.js';
import type { LoadedPolicy } from '../policy.js';
import type { Problem } from '../problems/problem.js';
import type { LogSummary } from './decision-log.js';

export type Status = 'compliant' | 'review' | 'noncompliant';

/** A crossing: a segment pair of two different tiers with an allowed entry. */
export interface Crossing {
  src: string;
  srcTier: Tier;
  dst: string;
  dstTier: Tier;
  kind: CellKind;
  method: string | null;
  rule: string | null;
  services: string[];
  witnessService: string;
  expires: string | null;
}

export interface Evidence {
  text: string;
}

export interface CheckItem {
  id: string;
  clause: string;
  title: string;
  /** What exactly is checked, in words. */
  checks: string;
  status: Status;
  evidence: string[];
  action: string;
}

export interface ExceptionRow {
  id: string;
  from: string;
  to: string;
  services: string;
  reason: string;
  approvedBy: string;
  expires: string;
  ticket: string | null;
  /** Days from the as-of date to expiry (negative: expired). */
  days: number;
  state: 'expired' | 'within30' | 'within90' | 'active';
}

export interface BroadRule {
  id: string;
  from: string;
  to: string;
  /** The whole tiers it covers. */
  covers: Tier[];
  loc: string;
}

export interface RuleFile {
  file: string;
  commit: string | null;
}

export interface Inspection {
  city: string;
  model: Model['policy']['model'];
  version: string;
  asOf: string;
  files: RuleFile[];
  tiers: Tier[];
  segments: { name: string; tier: Tier; role: string; mfa: boolean; external: boolean; sanitizer: string | null; description: string | null }[];
  tierMatrix: TierCell[];
  /** Segment × segment (null when the city has more than SEGMENT_MATRIX_MAX segments). */
  segmentMatrix: { names: string[]; tiers: Tier[]; kinds: CellKind[][] } | null;
  crossings: Crossing[];
  checklist: CheckItem[];
  exceptions: ExceptionRow[];
  warnings: { code: string; message: string; loc: string }[];
  broadRules: BroadRule[];
  audit: AuditResult | null;
  log: LogSummary | null;
}

export const SEGMENT_MATRIX_MAX = 60;
const SITE: readonly Tier[] = ['mynumber', 'lgwan', 'internet'];

export interface BuildOptions {
  audit?: AuditResult | null;
  log?: LogSummary | null;
  /** Where `git` runs; default the rule file's directory. */
  git?: boolean;
}

/** The last commit that touched a file, or null when it is not in a git repository. */
export function gitCommit(file: string): string | null {
  try {
    const out = execFileSync('git', ['log', '-1', '--format=%H', '--', basename(file)], {
      cwd: dirname(file),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    }).trim();
    return /^[0-9a-f]{40}$/.test(out) ? out : null;
  } catch {
    return null;
  }
}

function sel(list: { text: string }[]): string {
  return list.map((s) => s.text).join(', ');
}

function loc(l: { file: string; line: number; col: number }): string {
  return `${l.file}:${l.line}:${l.col}`;
}

/** Every segment pair of two different tiers whose cell allows something, with each allowed entry. */
function crossingsOf(zm: ZoneMatrix, model: Model): Crossing[] {
  const out: Crossing[] = [];
  const segs = model.segments;
  for (const a of segs) {
    for (const b of segs) {
      if (a.tier === b.tier) continue;
      const sum = zm.summaries[zm.cell(a.index, b.index)]!;
      for (const e of sum.entries) {
        if (e.decision !== 'allow') continue;
        out.push(crossing(a, b, e));
      }
    }
  }
  return out;
}

function crossing(a: Segment, b: Segment, e: MatrixEntry): Crossing {
  return {
    src: a.name,
    srcTier: a.tier,
    dst: b.name,
    dstTier: b.tier,
    kind: e.kind,
    method: e.method,
    rule: e.rule,
    services: e.services,
    witnessService: e.witnessService,
    expires: e.expires,
  };
}

const worst = (a: Status, b: Status): Status => (a === 'noncompliant' || b === 'noncompliant' ? 'noncompliant' : a === 'review' || b === 'review' ? 'review' : 'compliant');

function witness(c: Crossing): string {
  return `${c.src} (${c.srcTier}) → ${c.dst} (${c.dstTier}) ${c.witnessService}: ${c.kind}${c.method ? ` ${c.method}` : ''}${c.rule ? ` [${c.rule}]` : ''}${c.expires ? ` ≤ ${c.expires}` : ''}`;
}

export function buildInspection(policy: LoadedPolicy, opts: BuildOptions = {}): Inspection {
  const { model, table } = policy;
  const zm = new ZoneMatrix(table);
  const crossings = crossingsOf(zm, model);
  const byName = new Map(model.segments.map((s) => [s.name, s]));

  // Exceptions by state on the as-of date.
  const exceptions: ExceptionRow[] = model.exceptions.map((x) => {
    const days = daysBetween(policy.asOf, x.expires);
    const state = days < 0 ? 'expired' : days <= 30 ? 'within30' : days <= 90 ? 'within90' : 'active';
    return {
      id: x.id,
      from: sel(x.from),
      to: sel(x.to),
      services: x.services.map((s) => s.text).join(', '),
      reason: x.reason,
      approvedBy: x.approvedBy,
      expires: x.expires,
      ticket: x.ticket,
      days,
      state,
    };
  });

  // Broad cross-tier allow rules: from or to covers every segment of a site tier.
  const tierSegs = new Map<Tier, number[]>();
  for (const s of model.segments) tierSegs.set(s.tier, [...(tierSegs.get(s.tier) ?? []), s.index]);
  const broadRules: BroadRule[] = [];
  for (const f of model.flows) {
    if (f.action !== 'allow') continue;
    const from = new Set(f.from.flatMap((s) => s.segments));
    const to = new Set(f.to.flatMap((s) => s.segments));
    const tiersOf = (set: Set<number>) => new Set([...set].map((i) => model.segments[i]!.tier));
    const ft = tiersOf(from);
    const tt = tiersOf(to);
    const cross = [...ft].some((t) => [...tt].some((u) => u !== t));
    if (!cross) continue;
    const covers: Tier[] = [];
    for (const t of SITE) {
      const all = tierSegs.get(t) ?? [];
      if (all.length === 0) continue;
      if (all.every((i) => from.has(i)) || all.every((i) => to.has(i))) covers.push(t);
    }
    if (covers.length > 0) broadRules.push({ id: f.id, from: sel(f.from), to: sel(f.to), covers, loc: loc(f.loc) });
  }

  const warnings = policy.warnings.filter((p: Problem) => p.severity === 'warning').map((p: Problem) => ({ code: p.code, message: p.message, loc: loc(p.loc) }));

  const checklist = buildChecklist(model, crossings, exceptions, warnings, broadRules, opts.audit ?? null);

  const segs = model.segments;
  let segmentMatrix: Inspection['segmentMatrix'] = null;
  if (segs.length <= SEGMENT_MATRIX_MAX) {
    segmentMatrix = {
      names: segs.map((s) => s.name),
      tiers: segs.map((s) => s.tier),
      kinds: segs.map((a) => segs.map((b) => zm.summaries[zm.cell(a.index, b.index)]!.kind)),
    };
  }
  void byName;
  return {
    city: model.policy.name,
    model: model.policy.model,
    version: policy.version,
    asOf: policy.asOf,
    files: model.files.map((file) => ({ file, commit: opts.git === false ? null : gitCommit(file) })),
    tiers: [...new Set(segs.map((s) => s.tier))],
    segments: segs
      .filter((s) => s.index !== model.outside)
      .map((s) => ({
        name: s.name,
        tier: s.tier,
        role: s.role,
        mfa: s.mfa,
        external: s.external,
        sanitizer: s.sanitizer ? `${s.sanitizer.method} ${s.sanitizer.direction} ${s.sanitizer.peer} (${s.sanitizer.services.map((x) => x.text).join(', ')})` : null,
        description: s.description,
      })),
    tierMatrix: zm.tiers(),
    segmentMatrix,
    crossings,
    checklist,
    exceptions,
    warnings,
    broadRules,
    audit: opts.audit ?? null,
    log: opts.log ?? null,
  };
}

/** How one crossing stands against a clause, and the word its evidence line opens with. */
interface Verdict {
  status: Status;
  label: string;
}

const COMPLIANT: Verdict = { status: 'compliant', label: '適合' };
const EXCEPTION: Verdict = { status: 'review', label: '例外' };
const NONCOMPLIANT: Verdict = { status: 'noncompliant', label: '不適合' };

/**
 * A checklist item about crossings: each crossing the clause concerns (judge gives null for the
 * others) is a line of evidence, and the item is as bad as its worst crossing.
 */
function crossingItem(
  crossings: readonly Crossing[],
  judge: (c: Crossing) => Verdict | null,
  text: { id: string; clause: string; title: string; checks: string; none: string; review: string; fix: string },
): CheckItem {
  let status: Status = 'compliant';
  const evidence: string[] = [];
  for (const c of crossings) {
    const v = judge(c);
    if (v === null) continue;
    status = worst(status, v.status);
    evidence.push(`${v.label}: ${witness(c)}`);
  }
  if (evidence.length === 0) evidence.push(text.none);
  const { id, clause, title, checks } = text;
  return { id, clause, title, checks, status, evidence, action: status === 'compliant' ? '対応不要。' : status === 'review' ? text.review : text.fix };
}

/**
 * The checklist mapped to the basic policy's clauses. What each item checks is written into
 * `checks`, so the report says it, not only this code.
 */
function buildChecklist(
  model: Model,
  crossings: Crossing[],
  exceptions: ExceptionRow[],
  warnings: { code: string; message: string; loc: string }[],
  broad: BroadRule[],
  audit: AuditResult | null,
): CheckItem[] {
  const items: CheckItem[] = [];

  // 5(3)ア (a): crossings into or out of My Number.
  items.push(
    crossingItem(
      crossings,
      (c) => {
        if (c.srcTier !== 'mynumber' && c.dstTier !== 'mynumber') return null;
        const oneWayImport = c.kind === 'sanitized' && c.method === 'file-sanitize' && c.dstTier === 'mynumber';
        return oneWayImport ? COMPLIANT : c.kind === 'exception' ? EXCEPTION : NONCOMPLIANT;
      },
      {
        id: 'mn-isolation',
        clause: '5(3)ア',
        title: 'マイナンバー利用事務系の分離',
        checks:
          'マイナンバー利用事務系の区画と他の系（LGWAN接続系・インターネット接続系・外部）との間で許可される通信は、無害化（ファイル無害化）を経た一方向の取込みに限られること。例外による許可は要確認とする。',
        none: 'マイナンバー利用事務系と他の系との間に許可された通信はない。',
        review: '例外の必要性と期限を CISO と確認し、期限内に解消する。',
        fix: '該当するルールを削除し、無害化による一方向の取込みに置き換える。',
      },
    ),
  );
  // 5(3)ア (b): MFA on My Number terminals.
  {
    const terms = model.segments.filter((s) => s.tier === 'mynumber' && s.role === 'terminal');
    const missing = terms.filter((s) => !s.mfa);
    items.push({
      id: 'mn-mfa',
      clause: '5(3)ア',
      title: 'マイナンバー利用事務系端末の多要素認証',
      checks: 'マイナンバー利用事務系の端末区画（role: terminal）すべてに mfa: true が宣言されていること。',
      status: missing.length > 0 ? 'noncompliant' : terms.length === 0 ? 'review' : 'compliant',
      evidence:
        terms.length === 0 ? ['マイナンバー利用事務系に端末区画が宣言されていない。'] : terms.map((s) => `${s.name}: ${s.mfa ? '多要素認証あり (mfa: true)' : '多要素認証なし'}`),
      action: missing.length > 0 ? `${missing.map((s) => s.name).join(', ')} に多要素認証を導入し、mfa: true を宣言する。` : '対応不要。',
    });
  }
  // 5(3)イ: LGWAN ↔ internet crossings are sanitized.
  items.push(
    crossingItem(
      crossings,
      (c) => {
        const pair = new Set([c.srcTier, c.dstTier]);
        if (!(pair.has('lgwan') && pair.has('internet'))) return null;
        return c.kind === 'sanitized' ? COMPLIANT : c.kind === 'exception' ? EXCEPTION : NONCOMPLIANT;
      },
      {
        id: 'split-path',
        clause: '5(3)イ',
        title: 'LGWAN接続系とインターネット接続系の分割',
        checks: 'LGWAN接続系とインターネット接続系の間で許可される通信は、すべて無害化（メールのテキスト化・ファイル無害化・画面転送）を経ること。例外による許可は要確認とする。',
        none: 'LGWAN接続系とインターネット接続系の間に許可された通信はない。',
        review: '例外の必要性と期限を確認する。',
        fix: '無害化を経ない通信を削除する。',
      },
    ),
  );
  // 5(3)ウ: the Internet only through the security cloud.
  items.push(
    crossingItem(
      crossings,
      (c) => {
        if (c.srcTier !== 'outside' && c.dstTier !== 'outside') return null;
        const site = c.srcTier === 'outside' ? c.dst : c.src;
        const seg = model.segments.find((s) => s.name === site);
        const cloud = seg !== undefined && seg.tier === 'internet' && seg.external;
        if (cloud && c.kind !== 'exception') return { status: 'compliant', label: '適合（セキュリティクラウド）' };
        if (c.kind === 'breakout') return { status: 'review', label: 'ローカルブレイクアウト' };
        return c.kind === 'exception' ? EXCEPTION : NONCOMPLIANT;
      },
      {
        id: 'cloud-aggregation',
        clause: '5(3)ウ',
        title: 'インターネット接続の集約（セキュリティクラウド）',
        checks:
          '城内の区画（マイナンバー利用事務系・LGWAN接続系・インターネット接続系）と outside（どの区画にも属さないアドレス）の間で許可される通信は、セキュリティクラウドの区画（インターネット接続系の external: true の区画）からのものに限られること。ローカルブレイクアウト（β系モデルの経路）と例外は要確認とする。',
        none: '城内の区画とインターネット（outside）の間に許可された通信はない（インターネットへの通信はセキュリティクラウド経由のみ）。',
        review: 'ローカルブレイクアウト・例外の対象と通信先を確認する。',
        fix: 'セキュリティクラウドを経由しない通信を削除する。',
      },
    ),
  );
  // §6: exceptions within their approval.
  {
    const expired = exceptions.filter((x) => x.state === 'expired');
    const soon = exceptions.filter((x) => x.state === 'within30');
    const status: Status = expired.length > 0 || soon.length > 0 ? 'review' : 'compliant';
    const ev = exceptions.map(
      (x) => `${x.id}: ${x.from} → ${x.to} (${x.services}) 期限 ${x.expires}（${x.days < 0 ? `${-x.days} 日経過` : `残り ${x.days} 日`}）承認 ${x.approvedBy}`,
    );
    items.push({
      id: 'exceptions',
      clause: '6',
      title: '例外の承認と期限',
      checks: 'すべての例外に理由・承認者・期限があり（検証で必須）、期限切れの例外が残っていないこと、30 日以内に期限を迎える例外がないこと。',
      status,
      evidence: ev.length > 0 ? ev : ['例外はない。'],
      action:
        expired.length > 0
          ? `期限切れの例外 ${expired.map((x) => x.id).join(', ')} をルールから削除するか、再承認を得る。`
          : soon.length > 0
            ? `${soon.map((x) => x.id).join(', ')} の延長要否を判断する。`
            : '対応不要。',
    });
  }
  // §6: rule hygiene.
  {
    const hygiene = warnings.filter((w) => w.code === 'RULE-SHADOWED' || w.code === 'SEGMENT-UNUSED' || w.code === 'ALLOW-CEILING-PARTIAL' || w.code === 'EXCEPTION-NEEDLESS');
    const status: Status = hygiene.length > 0 || broad.length > 0 ? 'review' : 'compliant';
    items.push({
      id: 'hygiene',
      clause: '6',
      title: 'ルールの整理（不要・過大なルール）',
      checks: '検証器の警告（隠れたルール RULE-SHADOWED、未使用の区画 SEGMENT-UNUSED 等）がなく、系全体を送信元または宛先とする系間の許可ルールがないこと。',
      status,
      evidence: [
        ...hygiene.map((w) => `${w.code} ${w.loc}: ${w.message}`),
        ...broad.map((b) => `系全体 (${b.covers.join(', ')}) にかかる許可ルール ${b.id} ${b.loc}: ${b.from} → ${b.to}`),
      ].concat(hygiene.length + broad.length === 0 ? ['該当なし。'] : []),
      action: status === 'compliant' ? '対応不要。' : '不要なルール・区画を削除し、系全体にかかる許可ルールを必要な区画に絞る。',
    });
  }
  // §6: audit findings.
  {
    let status: Status;
    const ev: string[] = [];
    let action: string;
    if (audit === null) {
      status = 'review';
      ev.push('機器設定（--audit）が提出されていないため、機器が方針どおりに設定されているかは確認していない。');
      action = 'ファイアウォールの設定を取得し、sanso audit で照合する。';
    } else {
      const v = audit.devices.reduce((n, d) => n + d.counts.violation, 0);
      const other = audit.devices.reduce((n, d) => n + d.counts.ungranted + d.counts.outage + d.counts.unreachable, 0);
      status = v > 0 ? 'noncompliant' : other > 0 || audit.incomplete ? 'review' : 'compliant';
      for (const d of audit.devices)
        ev.push(`${d.name} (${d.file}): 違反 ${d.counts.violation}、未許可 ${d.counts.ungranted}、不通 ${d.counts.outage}、到達しないルール ${d.counts.unreachable}`);
      action = v > 0 ? '方針に反して通す機器ルールを直ちに削除する。' : other > 0 ? '未許可・不通・到達しないルールを確認し整理する。' : '対応不要。';
    }
    items.push({
      id: 'audit',
      clause: '6',
      title: 'ファイアウォール設定の監査',
      checks: '提出された機器設定が通す新規接続が、すべて方針で許可されていること（違反なし）、方針で許可された通信を機器が止めていないこと。',
      status,
      evidence: ev,
      action,
    });
  }
  return items;
}
