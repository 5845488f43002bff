/**
 * The three-tier picture as an SVG sanso draws itself (no external service, no script): one
 * column per tier with its segments, and one arrow per crossing (segment pair and kind), coloured
 * and labelled by how it crosses. Colours are doubled by dash patterns and labels, so the picture
 * reads in black and white too. Large cities get one arrow per tier pair instead.
 */
import type { Crossing, Inspection } from './build.js';
import type { Tier } from '../model/types.js';

export const TIER_NAMES_JA: Record<Tier, string> = {
  mynumber: 'マイナンバー利用事務系',
  lgwan: 'LGWAN接続系',
  internet: 'インターネット接続系',
  outside: 'インターネット（outside）',
};

export const KIND_STYLE: Record<string, { color: string; dash: string; ja: string }> = {
  sanitized: { color: '#1f5fa8', dash: '', ja: '無害化' },
  exception: { color: '#c0392b', dash: '6 3', ja: '例外' },
  breakout: { color: '#7d3c98', dash: '2 3', ja: 'ブレイクアウト' },
  direct: { color: '#444444', dash: '10 3 2 3', ja: '直接' },
};

export const METHOD_JA: Record<string, string> = {
  'screen-transfer': '画面転送',
  'file-sanitize': 'ファイル無害化',
  'mail-text': 'メールテキスト化',
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const COL_W = 190;
const GAP = 120;
const ROW_H = 24;
const TOP = 56;
const MAX_ARROWS = 40;

interface Arrow {
  src: string;
  dst: string;
  kind: string;
  label: string;
}

function arrowsOf(crossings: Crossing[]): Arrow[] {
  const seen = new Map<string, Arrow>();
  for (const c of crossings) {
    const label = c.kind === 'sanitized' ? (METHOD_JA[c.method ?? ''] ?? c.method ?? '') : c.kind === 'exception' ? `例外 ${c.rule ?? ''}` : (KIND_STYLE[c.kind]?.ja ?? c.kind);
    const k = `${c.src}\u0000${c.dst}\u0000${c.kind}`;
    if (!seen.has(k)) seen.set(k, { src: c.src, dst: c.dst, kind: c.kind, label });
  }
  return [...seen.values()];
}

export function tierDiagram(r: Inspection): string {
  const tiers: Tier[] = (['mynumber', 'lgwan', 'internet', 'outside'] as Tier[]).filter((t) => t === 'outside' || r.segments.some((s) => s.tier === t));
  let arrows = arrowsOf(r.crossings);
  const perSegment = arrows.length <= MAX_ARROWS && r.segments.length <= 80;
  // Segment rows per tier (or one row per tier when drawing tier pairs).
  const rows = new Map<Tier, string[]>();
  for (const t of tiers) rows.set(t, t === 'outside' ? ['outside'] : r.segments.filter((s) => s.tier === t).map((s) => s.name));
  if (!perSegment) {
    const byPair = new Map<string, Arrow>();
    for (const c of r.crossings) {
      const k = `${c.srcTier}\u0000${c.dstTier}\u0000${c.kind}`;
      if (!byPair.has(k)) byPair.set(k, { src: `tier:${c.srcTier}`, dst: `tier:${c.dstTier}`, kind: c.kind, label: KIND_STYLE[c.kind]?.ja ?? c.kind });
    }
    arrows = [...byPair.values()];
  }
  const maxRows = Math.max(...tiers.map((t) => (perSegment ? rows.get(t)!.length : 1)));
  const height = TOP + maxRows * ROW_H + 30 + 70;
  const width = tiers.length * COL_W + (tiers.length - 1) * GAP + 20;
  const pos = new Map<string, { col: number; y: number }>();
  const parts: string[] = [];
  tiers.forEach((t, col) => {
    const x = 10 + col * (COL_W + GAP);
    const names = perSegment ? rows.get(t)! : [`tier:${t}`];
    const h = names.length * ROW_H + 40;
    const fill = t === 'mynumber' ? '#fdf2e9' : t === 'lgwan' ? '#eaf2f8' : t === 'internet' ? '#eafaf1' : '#f4f4f4';
    parts.push(`<rect x="${x}" y="10" width="${COL_W}" height="${h + 26}" rx="6" fill="${fill}" stroke="#555" stroke-width="1"/>`);
    parts.push(`<text x="${x + COL_W / 2}" y="30" text-anchor="middle" font-size="13" font-weight="bold">${esc(TIER_NAMES_JA[t])}</text>`);
    names.forEach((n, i) => {
      const y = TOP + i * ROW_H;
      pos.set(n, { col, y: y + 9 });
      const label = perSegment ? n : `${rows.get(t)!.length} 区画`;
      parts.push(`<rect x="${x + 12}" y="${y}" width="${COL_W - 24}" height="18" rx="3" fill="#ffffff" stroke="#888" stroke-width="0.8"/>`);
      parts.push(`<text x="${x + COL_W / 2}" y="${y + 13}" text-anchor="middle" font-size="10.5">${esc(label)}</text>`);
    });
  });
  const markers = Object.entries(KIND_STYLE)
    .map(
      ([k, s]) =>
        `<marker id="arrow-${k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${s.color}"/></marker>`,
    )
    .join('');
  const drawn: string[] = [];
  const labelCount = new Map<string, number>();
  for (const a of arrows) {
    const p = pos.get(a.src);
    const q = pos.get(a.dst);
    if (!p || !q) continue;
    const s = KIND_STYLE[a.kind] ?? KIND_STYLE.direct!;
    const right = q.col > p.col;
    const x1 = 10 + p.col * (COL_W + GAP) + (right ? COL_W - 12 : 12);
    const x2 = 10 + q.col * (COL_W + GAP) + (right ? 12 : COL_W - 12);
    const y1 = p.y + (right ? -3 : 3);
    const y2 = q.y + (right ? -3 : 3);
    drawn.push(
      `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${s.color}" stroke-width="1.6"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} marker-end="url(#arrow-${a.kind in KIND_STYLE ? a.kind : 'direct'})"/>`,
    );
    // Labels sit near the source end, nudged when several start at the same place.
    const key = `${Math.round(x1)}:${Math.round(y1)}`;
    const n = labelCount.get(key) ?? 0;
    labelCount.set(key, n + 1);
    const lx = x1 + (x2 - x1) * 0.5;
    const ly = y1 + (y2 - y1) * 0.5 - 3 - n * 11;
    drawn.push(`<text x="${lx}" y="${ly}" text-anchor="middle" font-size="9" fill="${s.color}" stroke="#ffffff" stroke-width="2.5" paint-order="stroke">${esc(a.label)}</text>`);
  }
  const legendY = height - 40;
  const legend = Object.entries(KIND_STYLE)
    .map(([, s], i) => {
      const x = 20 + i * 170;
      return `<line x1="${x}" y1="${legendY}" x2="${x + 40}" y2="${legendY}" stroke="${s.color}" stroke-width="1.6"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/><text x="${x + 48}" y="${legendY + 4}" font-size="11">${esc(s.ja)}</text>`;
    })
    .join('');
  const note = `<text x="20" y="${legendY + 24}" font-size="10" fill="#444">矢印は許可された系間の通信（送信元 → 宛先）。${perSegment ? '区画ごと' : '系ごとに集約'}。系内の通信は通信マトリクスを参照。</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="三層の構成図" font-family="'Noto Sans CJK JP', 'Noto Sans JP', sans-serif"><defs>${markers}</defs>${parts.join('')}${drawn.join('')}${legend}${note}</svg>`;
}
