/**
 * The report as one self-contained HTML file: inline CSS (screen and A4 print), the SVG inline,
 * no script and no external resource, so an auditor can file it and read it without sanso.
 * Japanese by default; `en` translates the headings and verdicts (the checklist's wording cites
 * the Japanese basic policy and stays Japanese).
 */
import type { CellKind } from '../matrix/matrix.js';
import type { Tier } from '../model/types.js';
import { FINDING_KINDS } from '../audit/audit.js';
import type { Inspection, Status } from './build.js';
import { KIND_STYLE, METHOD_JA, TIER_NAMES_JA, tierDiagram } from './svg.js';

export type ReportLang = 'ja' | 'en';

export const STATUS_LABEL: Record<ReportLang, Record<Status, string>> = {
  ja: { compliant: '適合', review: '要確認', noncompliant: '不適合' },
  en: { compliant: 'compliant', review: 'needs review', noncompliant: 'non-compliant' },
};

export const MODEL_NAMES: Record<string, string> = {
  alpha: 'α モデル（LGWAN接続系に業務端末を配置）',
  'alpha-prime': 'α′ モデル（α モデルに一部のインターネット利用を加えたもの）',
  beta: 'β モデル（インターネット接続系に業務端末を配置）',
  'beta-prime': 'β′ モデル（β モデルで重要情報を扱う業務も移したもの）',
};

const CELL: Record<CellKind, { sym: string; ja: string; en: string; bg: string }> = {
  exception: { sym: '例', ja: '例外で許可', en: 'exception', bg: '#f5b7b1' },
  breakout: { sym: 'B', ja: 'ブレイクアウト', en: 'breakout', bg: '#d7bde2' },
  sanitized: { sym: '無', ja: '無害化を経て許可', en: 'sanitized', bg: '#aed6f1' },
  direct: { sym: '許', ja: '直接許可', en: 'allowed', bg: '#abebc6' },
  ceiling: { sym: '×', ja: '三層の対策で拒否', en: 'tier-model denial', bg: '#e5e7e9' },
  'explicit-deny': { sym: '拒', ja: '拒否ルール', en: 'explicit deny', bg: '#f9e79f' },
  'no-grant': { sym: '', ja: '許可なし', en: 'no grant', bg: '#ffffff' },
};

const T = {
  ja: {
    title: '情報セキュリティ自己点検報告書',
    subtitle: 'ネットワークの三層の対策（三層分離）に関する点検',
    city: '団体名',
    model: 'モデル',
    version: '情報セキュリティポリシー（ルール）の版',
    asOf: '点検基準日',
    tool: '作成',
    files: 'ルールファイル',
    commit: 'コミット',
    summary: '総括',
    diagram: '三層の構成図',
    segments: '区画一覧',
    matrix: '通信マトリクス',
    tierMatrix: '系 × 系',
    segMatrix: '区画 × 区画',
    checklist: '点検項目（基本方針との対応）',
    clause: '条項',
    item: '項目',
    status: '判定',
    evidence: '根拠',
    action: '対応',
    exceptions: '例外',
    hygiene: 'ルールの整理',
    audit: '機器設定の監査',
    log: '判定ログ',
    none: '該当なし。',
  },
  en: {
    title: 'Information security self-inspection report',
    subtitle: 'The three-tier network model',
    city: 'City',
    model: 'Model',
    version: 'Policy version',
    asOf: 'As of',
    tool: 'Produced by',
    files: 'Rule files',
    commit: 'Commit',
    summary: 'Summary',
    diagram: 'The three tiers',
    segments: 'Segments',
    matrix: 'Zone matrix',
    tierMatrix: 'Tier × tier',
    segMatrix: 'Segment × segment',
    checklist: 'Checklist (basic policy clauses)',
    clause: 'Clause',
    item: 'Item',
    status: 'Status',
    evidence: 'Evidence',
    action: 'Action',
    exceptions: 'Exceptions',
    hygiene: 'Rule hygiene',
    audit: 'Firewall audit',
    log: 'Decision logs',
    none: 'None.',
  },
} satisfies Record<ReportLang, Record<string, string>>;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const CSS = `
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
* { box-sizing: border-box; }
body { font-family: 'Noto Sans CJK JP', 'Noto Sans JP', 'Hiragino Sans', 'Yu Gothic', sans-serif; font-size: 10pt; color: #1c1c1c; line-height: 1.55; margin: 0 auto; max-width: 190mm; }
h1 { font-size: 20pt; margin: 0 0 4mm; letter-spacing: 0.05em; }
h2 { font-size: 13.5pt; border-bottom: 2px solid #1f3a5f; padding-bottom: 1mm; margin: 8mm 0 3mm; color: #1f3a5f; }
h3 { font-size: 11pt; margin: 5mm 0 2mm; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm; }
th, td { border: 1px solid #9aa5b1; padding: 1mm 1.6mm; vertical-align: top; text-align: left; }
th { background: #eef1f5; font-weight: bold; }
.cover { min-height: 240mm; display: flex; flex-direction: column; justify-content: center; }
.cover .sub { font-size: 13pt; color: #333; margin-bottom: 14mm; }
.cover table th { width: 42mm; }
.mono { font-family: 'Noto Sans Mono CJK JP', 'DejaVu Sans Mono', monospace; font-size: 8.5pt; overflow-wrap: anywhere; }
.nw { white-space: nowrap; }
.st { font-weight: bold; white-space: nowrap; padding: 0.4mm 2mm; border-radius: 2mm; }
.st-compliant { background: #d5f5e3; color: #145a32; }
.st-review { background: #fcf3cf; color: #7d6608; }
.st-noncompliant { background: #f5b7b1; color: #78281f; }
ul.ev { margin: 0; padding-left: 4mm; font-size: 8.5pt; }
.section { break-before: page; }
.matrix td, .matrix th { text-align: center; padding: 0.4mm; font-size: 7pt; }
.matrix th.col { writing-mode: vertical-rl; white-space: nowrap; font-weight: normal; height: 28mm; }
.matrix th.row { text-align: left; white-space: nowrap; font-weight: normal; }
${(Object.keys(CELL) as CellKind[]).map((k) => `.k-${k} { background: ${CELL[k].bg}; }`).join('\n')}
.legend span { display: inline-block; margin-right: 4mm; font-size: 8.5pt; }
.legend b { display: inline-block; min-width: 5mm; text-align: center; border: 1px solid #9aa5b1; margin-right: 1mm; }
.note { font-size: 8.5pt; color: #444; }
figure { margin: 0; break-inside: avoid; }
tr { break-inside: avoid; }
@media print { a { color: inherit; text-decoration: none; } }
`;

function statusBadge(s: Status, lang: ReportLang): string {
  return `<span class="st st-${s}">${esc(STATUS_LABEL[lang][s])}</span>`;
}

function tierName(t: Tier, lang: ReportLang): string {
  return lang === 'ja' ? TIER_NAMES_JA[t] : t;
}

export interface RenderOptions {
  lang: ReportLang;
  tool: string;
}

export function renderReportHtml(r: Inspection, opts: RenderOptions): string {
  const lang = opts.lang;
  const t = T[lang];
  const out: string[] = [];
  out.push(
    `<!DOCTYPE html>\n<html lang="${lang}">\n<head>\n<meta charset="utf-8">\n<title>${esc(`${t.title} ${r.city} ${r.asOf}`)}</title>\n<style>${CSS}</style>\n</head>\n<body>`,
  );

  // Cover.
  out.push(`<section class="cover"><h1>${esc(t.title)}</h1><p class="sub">${esc(t.subtitle)}</p><table><tbody>`);
  out.push(`<tr><th scope="row">${t.city}</th><td>${esc(r.city)}</td></tr>`);
  out.push(`<tr><th scope="row">${t.model}</th><td>${esc(MODEL_NAMES[r.model] ?? r.model)}</td></tr>`);
  out.push(`<tr><th scope="row">${t.version}</th><td class="mono">${esc(r.version)}</td></tr>`);
  out.push(`<tr><th scope="row">${t.asOf}</th><td>${esc(r.asOf)}</td></tr>`);
  out.push(`<tr><th scope="row">${t.tool}</th><td>${esc(opts.tool)}</td></tr>`);
  out.push(`</tbody></table><h3>${t.files}</h3><table><thead><tr><th scope="col">${t.files}</th><th scope="col">${t.commit}</th></tr></thead><tbody>`);
  for (const f of r.files) out.push(`<tr><td class="mono">${esc(f.file)}</td><td class="mono">${f.commit ? esc(f.commit) : '—'}</td></tr>`);
  out.push('</tbody></table></section>');

  // Summary.
  out.push(
    `<section class="section"><h2>1. ${t.summary}</h2><table><thead><tr><th scope="col">${t.clause}</th><th scope="col">${t.item}</th><th scope="col">${t.status}</th><th scope="col">${t.action}</th></tr></thead><tbody>`,
  );
  for (const c of r.checklist) out.push(`<tr><td class="nw">${esc(c.clause)}</td><td>${esc(c.title)}</td><td>${statusBadge(c.status, lang)}</td><td>${esc(c.action)}</td></tr>`);
  out.push('</tbody></table>');
  const counts = { compliant: 0, review: 0, noncompliant: 0 };
  for (const c of r.checklist) counts[c.status]++;
  out.push(
    `<p>${(['compliant', 'review', 'noncompliant'] as Status[]).map((s) => `${esc(STATUS_LABEL[lang][s])} ${counts[s]}`).join('、')}（全 ${r.checklist.length} 項目）。</p>`,
  );
  out.push(
    `<p class="note">${lang === 'ja' ? '判定は点検基準日に有効なルールファイル（上記の版）をコンパイルした判定表から、すべての区画の組とサービスについて漏れなく求めたもので、抜き取りではない。' : 'Verdicts are read off the compiled decision table of the rule files above, over every segment pair and service — never sampled.'}</p></section>`,
  );

  // Diagram and segments.
  out.push(`<section class="section"><h2>2. ${t.diagram}</h2><figure>${tierDiagram(r)}</figure>`);
  out.push(
    `<h3>${t.segments}</h3><table><thead><tr><th scope="col">区画</th><th scope="col">系</th><th scope="col">役割</th><th scope="col" class="nw">MFA</th><th scope="col" class="nw">外部</th><th scope="col">無害化</th><th scope="col">説明</th></tr></thead><tbody>`,
  );
  for (const s of r.segments) {
    const san = s.sanitizer ? esc(s.sanitizer.replace(/^(\S+)/, (m) => METHOD_JA[m] ?? m)) : '';
    out.push(
      `<tr><td class="mono nw">${esc(s.name)}</td><td class="nw">${esc(tierName(s.tier, lang))}</td><td>${esc(s.role)}</td><td>${s.tier === 'mynumber' && s.role === 'terminal' ? (s.mfa ? 'あり' : '<strong>なし</strong>') : ''}</td><td>${s.external ? '○' : ''}</td><td>${san}</td><td>${esc(s.description ?? '')}</td></tr>`,
    );
  }
  out.push('</tbody></table></section>');

  // Zone matrix.
  out.push(`<section class="section"><h2>3. ${t.matrix}</h2><h3>${t.tierMatrix}</h3>`);
  out.push(
    `<table><thead><tr><th scope="col">送信元 → 宛先</th><th scope="col">無害化</th><th scope="col">例外</th><th scope="col">ブレイクアウト</th><th scope="col">直接許可</th><th scope="col">三層の対策で拒否</th><th scope="col">拒否ルール</th><th scope="col">許可なし</th><th scope="col">無害化の方式</th></tr></thead><tbody>`,
  );
  for (const c of r.tierMatrix) {
    out.push(
      `<tr><td>${esc(tierName(c.src, lang))} → ${esc(tierName(c.dst, lang))}</td><td>${c.counts.sanitized}</td><td>${c.counts.exception}</td><td>${c.counts.breakout}</td><td>${c.counts.direct}</td><td>${c.counts.ceiling}</td><td>${c.counts['explicit-deny']}</td><td>${c.counts['no-grant']}</td><td>${esc(c.methods.map((m) => METHOD_JA[m] ?? m).join('、'))}</td></tr>`,
    );
  }
  out.push(
    `</tbody></table><p class="note">数は区画の組の数。区画の組は、その組で許可される最も注意を要する通信（例外 → ブレイクアウト → 無害化 → 直接許可）で、許可がなければ拒否の理由で数える。</p>`,
  );
  const legend = `<p class="legend">${(Object.keys(CELL) as CellKind[]).map((k) => `<span><b class="k-${k}">${CELL[k].sym || '&nbsp;'}</b>${esc(lang === 'ja' ? CELL[k].ja : CELL[k].en)}</span>`).join('')}</p>`;
  if (r.segmentMatrix) {
    const m = r.segmentMatrix;
    out.push(`<h3>${t.segMatrix}</h3>${legend}<table class="matrix"><thead><tr><th scope="col">送信元 ＼ 宛先</th>`);
    for (const n of m.names) out.push(`<th scope="col" class="col">${esc(n)}</th>`);
    out.push('</tr></thead><tbody>');
    m.kinds.forEach((row, i) => {
      out.push(`<tr><th scope="row" class="row">${esc(m.names[i]!)}</th>`);
      for (const k of row) out.push(`<td class="k-${k}">${CELL[k].sym}</td>`);
      out.push('</tr>');
    });
    out.push('</tbody></table>');
  } else {
    out.push(`<p class="note">区画が多い（60 を超える）ため、区画 × 区画の表は系の組ごとの集計（上表）に代える。</p>`);
  }
  out.push(
    `<h3>系間の許可された通信</h3><table><thead><tr><th scope="col">送信元</th><th scope="col">宛先</th><th scope="col">種別</th><th scope="col">ルール</th><th scope="col">サービス</th></tr></thead><tbody>`,
  );
  for (const c of r.crossings) {
    const kind = c.kind === 'sanitized' ? `無害化（${METHOD_JA[c.method ?? ''] ?? c.method}）` : (KIND_STYLE[c.kind]?.ja ?? c.kind);
    out.push(
      `<tr><td class="mono">${esc(c.src)}</td><td class="mono">${esc(c.dst)}</td><td>${esc(kind)}${c.expires ? `（期限 ${esc(c.expires)}）` : ''}</td><td class="mono">${esc(c.rule ?? '')}</td><td class="mono">${esc(c.services.join(', '))}</td></tr>`,
    );
  }
  if (r.crossings.length === 0) out.push(`<tr><td colspan="5">${t.none}</td></tr>`);
  out.push('</tbody></table></section>');

  // Checklist.
  out.push(`<section class="section"><h2>4. ${t.checklist}</h2>`);
  for (const c of r.checklist) {
    out.push(`<h3>${esc(c.clause)} ${esc(c.title)} ${statusBadge(c.status, lang)}</h3><table><tbody>`);
    out.push(`<tr><th scope="row">点検の内容</th><td>${esc(c.checks)}</td></tr>`);
    out.push(`<tr><th scope="row">${t.evidence}</th><td><ul class="ev">${c.evidence.map((e) => `<li>${esc(e)}</li>`).join('')}</ul></td></tr>`);
    out.push(`<tr><th scope="row">${t.action}</th><td>${esc(c.action)}</td></tr></tbody></table>`);
  }
  out.push('</section>');

  // Exceptions.
  const STATE: Record<string, string> = { expired: '期限切れ', within30: '30 日以内に期限', within90: '90 日以内に期限', active: '有効' };
  out.push(
    `<section class="section"><h2>5. ${t.exceptions}</h2><table><thead><tr><th scope="col">ID</th><th scope="col">送信元 → 宛先</th><th scope="col">サービス</th><th scope="col">期限</th><th scope="col">状態</th><th scope="col">承認者</th><th scope="col">理由</th></tr></thead><tbody>`,
  );
  for (const x of r.exceptions) {
    out.push(
      `<tr><td class="mono">${esc(x.id)}${x.ticket ? `<br>${esc(x.ticket)}` : ''}</td><td class="mono">${esc(x.from)} → ${esc(x.to)}</td><td class="mono">${esc(x.services)}</td><td>${esc(x.expires)}</td><td>${esc(STATE[x.state]!)}（${x.days < 0 ? `${-x.days} 日経過` : `残り ${x.days} 日`}）</td><td>${esc(x.approvedBy)}</td><td>${esc(x.reason)}</td></tr>`,
    );
  }
  if (r.exceptions.length === 0) out.push(`<tr><td colspan="7">${t.none}</td></tr>`);
  out.push('</tbody></table>');

  // Hygiene.
  out.push(`<h2>6. ${t.hygiene}</h2><h3>検証器の警告</h3><table><thead><tr><th scope="col">コード</th><th scope="col">位置</th><th scope="col">内容</th></tr></thead><tbody>`);
  for (const w of r.warnings) out.push(`<tr><td class="mono">${esc(w.code)}</td><td class="mono">${esc(w.loc)}</td><td>${esc(w.message)}</td></tr>`);
  if (r.warnings.length === 0) out.push(`<tr><td colspan="3">${t.none}</td></tr>`);
  out.push(
    `</tbody></table><h3>系全体にかかる系間の許可ルール</h3><table><thead><tr><th scope="col">ルール</th><th scope="col">送信元 → 宛先</th><th scope="col">系全体を含む</th><th scope="col">位置</th></tr></thead><tbody>`,
  );
  for (const b of r.broadRules)
    out.push(
      `<tr><td class="mono">${esc(b.id)}</td><td class="mono">${esc(b.from)} → ${esc(b.to)}</td><td>${esc(b.covers.map((x) => tierName(x, lang)).join('、'))}</td><td class="mono">${esc(b.loc)}</td></tr>`,
    );
  if (r.broadRules.length === 0) out.push(`<tr><td colspan="4">${t.none}</td></tr>`);
  out.push('</tbody></table></section>');

  // Audit.
  if (r.audit) {
    const KIND_JA: Record<string, string> = { violation: '違反', ungranted: '未許可', outage: '不通', unreachable: '到達しないルール' };
    out.push(`<section class="section"><h2>7. ${t.audit}</h2>`);
    if (r.audit.incomplete) out.push('<p><strong>一部の設定文を理解できずに読み飛ばした（--lenient）ため、結果は不完全な可能性がある。</strong></p>');
    for (const d of r.audit.devices) {
      out.push(`<h3>${esc(d.name)}（<span class="mono">${esc(d.file)}</span>、${esc(d.format)}、ルール ${d.rules} 件）</h3>`);
      out.push(`<p>${FINDING_KINDS.map((k) => `${KIND_JA[k]} ${d.counts[k]}`).join('、')}${d.truncated ? '（一部のみ列挙）' : ''}</p>`);
      const list = [...d.findings].sort((a, b) => FINDING_KINDS.indexOf(a.kind) - FINDING_KINDS.indexOf(b.kind));
      if (list.length === 0) continue;
      out.push(
        '<table><thead><tr><th scope="col">種別</th><th scope="col">送信元 → 宛先</th><th scope="col">例</th><th scope="col">方針</th><th scope="col">機器のルール</th></tr></thead><tbody>',
      );
      for (const f of list.slice(0, 200)) {
        const w = f.witness ? `${f.witness.src} → ${f.witness.dst} ${f.witness.service}` : '';
        const pol = f.policy
          ? `${f.policy.decision} ${f.code ?? ''}${f.policy.rule ? ` [${f.policy.rule}]` : ''}${f.policy.clause ? ` ${f.policy.clause}` : ''}`
          : (f.reason ?? '');
        const dev = `${f.device.file}${f.device.line !== null ? `:${f.device.line}` : ''} ${f.device.text ?? `${f.device.chain} の既定 (${f.device.action ?? ''})`}`;
        out.push(
          `<tr><td>${esc(KIND_JA[f.kind] ?? f.kind)}</td><td class="mono">${esc(f.src?.segment ?? '')} → ${esc(f.dst?.segment ?? '')}</td><td class="mono">${esc(w)}</td><td class="mono">${esc(pol)}</td><td class="mono">${esc(dev)}</td></tr>`,
        );
      }
      out.push('</tbody></table>');
    }
    out.push('</section>');
  }

  // Decision logs.
  if (r.log) {
    const l = r.log;
    out.push(
      `<section class="section"><h2>${r.audit ? 8 : 7}. ${t.log}</h2><p>期間 ${esc(l.from ?? '—')} 〜 ${esc(l.to ?? '—')}、判定 ${l.entries} 件${l.skipped ? `（判定以外の行 ${l.skipped} 行は対象外）` : ''}。</p>`,
    );
    out.push('<h3>判定コード別の件数</h3><table><thead><tr><th scope="col">コード</th><th scope="col">件数</th></tr></thead><tbody>');
    for (const c of l.codes) out.push(`<tr><td class="mono">${esc(c.code)}</td><td>${c.count}</td></tr>`);
    out.push('</tbody></table><h3>拒否の多い区画の組</h3><table><thead><tr><th scope="col">送信元</th><th scope="col">宛先</th><th scope="col">件数</th></tr></thead><tbody>');
    for (const c of l.denied) out.push(`<tr><td class="mono">${esc(c.src)}</td><td class="mono">${esc(c.dst)}</td><td>${c.count}</td></tr>`);
    if (l.denied.length === 0) out.push(`<tr><td colspan="3">${t.none}</td></tr>`);
    out.push('</tbody></table><h3>問い合わせ元（トークン名）</h3><table><thead><tr><th scope="col">トークン</th><th scope="col">件数</th></tr></thead><tbody>');
    for (const c of l.callers) out.push(`<tr><td class="mono">${esc(c.caller)}</td><td>${c.count}</td></tr>`);
    out.push('</tbody></table></section>');
  }

  out.push('</body>\n</html>\n');
  return out.join('\n');
}
