/**
 * The diff as one pull-request comment (GitHub Markdown): a hidden marker (so CI can find and
 * update its own comment), a summary, a tier × tier table of counts, then each kind's changes in
 * a folded <details> table. GitHub refuses comments over 65,536 characters, so rows stop at a
 * budget below that and the comment says how many were left out; the counts stay exact.
 */
import type { Lang } from '../i18n/messages.js';
import { TIERS, type Tier } from '../model/types.js';
import { CHANGE_KINDS, type Change, type ChangeKind, type DiffResult } from './types.js';
import { reasonText, WORDS, type Words } from './words.js';

/** The first line of every diff comment: how CI finds the comment it posted before. */
export const COMMENT_MARKER = '<!-- sanso-diff -->';
/** GitHub's limit on a comment body. */
export const COMMENT_LIMIT = 65536;
/** Rows stop once the comment reaches this size, leaving room for the closing lines. */
const BUDGET = COMMENT_LIMIT - 4096;

/** Text safe inside a table cell: no HTML, no cell break, no line break. */
export function cell(s: string): string {
  return s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('|', '\\|')
    .replaceAll('`', "'")
    .replace(/[\r\n\u2028\u2029]+/g, ' ');
}

function side(s: Change['src'], w: Words): string {
  const now = `${cell(s.segment)} (${s.tier})`;
  return s.was ? `${now}<br><sub>${w.was} ${cell(s.was.segment)} (${s.was.tier})</sub>` : now;
}

function row(c: Change, w: Words): string {
  const mark = c.myNumber ? `⚠️ **${w.myNumber}**<br>` : '';
  return `| ${mark}${side(c.src, w)} | ${side(c.dst, w)} | ${c.services.map((s) => `\`${s}\``).join(' ')} | ${cell(reasonText(c.before))} | ${cell(reasonText(c.after))} | \`${c.witness.src}\` → \`${c.witness.dst}\` \`${c.witness.service}\` |`;
}

function matrix(r: DiffResult, w: Words): string[] {
  // Counted over the listed changes; when the list is truncated the table says so.
  const counts = new Map<string, Record<ChangeKind, number>>();
  const used = new Set<Tier>();
  for (const c of r.changes) {
    const key = `${c.src.tier}>${c.dst.tier}`;
    let m = counts.get(key);
    if (!m) counts.set(key, (m = { 'newly-allowed': 0, 'newly-denied': 0, 'reason-changed': 0 }));
    m[c.kind]++;
    used.add(c.src.tier);
    used.add(c.dst.tier);
  }
  const tiers = TIERS.filter((t) => used.has(t));
  const lines = [`| ${w.from} \\ ${w.to} | ${tiers.map((t) => w.tiers[t]).join(' | ')} |`, `|---|${tiers.map(() => '---:').join('|')}|`];
  for (const s of tiers) {
    const cells = tiers.map((d) => {
      const m = counts.get(`${s}>${d}`);
      if (!m) return '·';
      const text = CHANGE_KINDS.map((k) => m[k]).join(' / ');
      return s === 'mynumber' || d === 'mynumber' ? `**${text}**` : text;
    });
    lines.push(`| ${w.tiers[s]} | ${cells.join(' | ')} |`);
  }
  return lines;
}

export interface MarkdownOptions {
  lang: Lang;
  /** At most this many characters (default GitHub's comment limit). */
  limit?: number;
}

export function formatDiffMarkdown(r: DiffResult, opts: MarkdownOptions): string {
  const w = WORDS[opts.lang];
  const budget = (opts.limit ?? COMMENT_LIMIT) - (COMMENT_LIMIT - BUDGET);
  const out: string[] = [];
  out.push(COMMENT_MARKER);
  out.push(`### ${w.title}: ${w.summary(r.counts)}`, '');
  out.push(`| | rules | policy version |`, `|---|---|---|`);
  out.push(`| ${w.old} | \`${cell(r.old.source)}\` | \`${r.old.policyVersion.slice(0, 19)}…\` |`);
  out.push(`| ${w.new} | \`${cell(r.new.source)}\` | \`${r.new.policyVersion.slice(0, 19)}…\` |`, '');
  out.push(`${w.asOf} ${r.new.asOf}${r.old.asOf === r.new.asOf ? '' : ` (${w.old}: ${r.old.asOf})`}.`, '');
  const total = r.counts['newly-allowed'] + r.counts['newly-denied'] + r.counts['reason-changed'];
  if (total === 0) {
    out.push(w.none);
    return `${out.join('\n')}\n`;
  }
  if (r.myNumber > 0) out.push('> [!WARNING]', `> ${w.myNumberNote(r.myNumber)}`, '');
  out.push(`**${w.matrix}**${r.truncated ? ` (${w.listedMax(r.changes.length)})` : ''}`, '', ...matrix(r, w), '');
  let size = out.reduce((n, l) => n + l.length + 1, 0);
  for (const kind of CHANGE_KINDS) {
    if (r.counts[kind] === 0) continue;
    const head = [
      `<details><summary><b>${w.heading[kind]}</b> (${r.counts[kind]})</summary>`,
      '',
      `| ${w.from} | ${w.to} | ${w.services} | ${w.before} | ${w.after} | ${w.witness} |`,
      '|---|---|---|---|---|---|',
    ];
    out.push(...head);
    size += head.reduce((n, l) => n + l.length + 1, 0);
    let shown = 0;
    for (const c of r.changes) {
      if (c.kind !== kind) continue;
      const line = row(c, w);
      if (size + line.length + 1 > budget) break;
      out.push(line);
      size += line.length + 1;
      shown++;
    }
    const tail = ['', ...(shown < r.counts[kind] ? [w.more(r.counts[kind] - shown), ''] : []), '</details>', ''];
    out.push(...tail);
    size += tail.reduce((n, l) => n + l.length + 1, 0);
  }
  return `${out.join('\n')}\n`;
}
