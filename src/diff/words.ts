/** The words the diff reports use, in English and Japanese (the basic policy's terms). */
import type { Lang } from '../i18n/messages.js';
import type { Tier } from '../model/types.js';
import type { Change, ChangeKind, ChangeSide, Reason } from './types.js';

export const WORDS = {
  en: {
    kind: { 'newly-allowed': 'newly allowed', 'newly-denied': 'newly denied', 'reason-changed': 'reason changed' } as Record<ChangeKind, string>,
    heading: {
      'newly-allowed': 'Newly allowed — flows the old rules denied and the new rules allow',
      'newly-denied': 'Newly denied — flows the old rules allowed and the new rules deny',
      'reason-changed': 'Reason changed — same verdict, another code or deciding rule',
    } as Record<ChangeKind, string>,
    title: 'sanso diff',
    none: 'No flow changes its decision.',
    myNumber: 'My Number',
    myNumberNote: (n: number) => `${n} change${n === 1 ? '' : 's'} touch${n === 1 ? 'es' : ''} the My Number tier (基本方針 5(3)ア).`,
    was: 'was',
    eg: 'e.g.',
    old: 'old',
    new: 'new',
    asOf: 'Exceptions judged on',
    from: 'from',
    to: 'to',
    services: 'services',
    before: 'before',
    after: 'after',
    witness: 'example flow',
    summary: (c: Record<ChangeKind, number>) => `${c['newly-allowed']} newly allowed, ${c['newly-denied']} newly denied, ${c['reason-changed']} reason changed`,
    matrix: 'Changes by tier (source tier in the new rules ↓, destination →): newly allowed / newly denied / reason changed',
    more: (n: number) => `… ${n} more not shown here; the counts above are exact. Run \`sanso diff\` locally (or see the job log) for all of them.`,
    listedMax: (max: number) => `listing stops at ${max} changes (--max-changes); the counts are exact`,
    tiers: { mynumber: 'mynumber', lgwan: 'lgwan', internet: 'internet', outside: 'outside' } as Record<Tier, string>,
  },
  ja: {
    kind: { 'newly-allowed': '新たに許可', 'newly-denied': '新たに拒否', 'reason-changed': '理由の変更' } as Record<ChangeKind, string>,
    heading: {
      'newly-allowed': '新たに許可 — 旧ルールで拒否され、新ルールで許可される通信',
      'newly-denied': '新たに拒否 — 旧ルールで許可され、新ルールで拒否される通信',
      'reason-changed': '理由の変更 — 判定は同じで、コードまたは決め手のルールが変わる通信',
    } as Record<ChangeKind, string>,
    title: 'sanso diff',
    none: '判定が変わる通信はありません。',
    myNumber: 'マイナンバー',
    myNumberNote: (n: number) => `マイナンバー利用事務系に関わる変更が ${n} 件あります（基本方針 5(3)ア）。`,
    was: '旧',
    eg: '例',
    old: '旧',
    new: '新',
    asOf: '例外の判定日',
    from: '送信元',
    to: '宛先',
    services: 'サービス',
    before: '変更前',
    after: '変更後',
    witness: '通信の例',
    summary: (c: Record<ChangeKind, number>) => `新たに許可 ${c['newly-allowed']} 件、新たに拒否 ${c['newly-denied']} 件、理由の変更 ${c['reason-changed']} 件`,
    matrix: '層ごとの変更件数（行: 新ルールでの送信元の層、列: 宛先の層）: 新たに許可 / 新たに拒否 / 理由の変更',
    more: (n: number) => `… ほか ${n} 件は省略しました（上の件数は正確です）。すべてを見るには手元で \`sanso diff\` を実行するか、ジョブのログを見てください。`,
    listedMax: (max: number) => `一覧は ${max} 件まで (--max-changes)。件数は正確です`,
    tiers: { mynumber: 'マイナンバー', lgwan: 'LGWAN', internet: 'インターネット', outside: '外部' } as Record<Tier, string>,
  },
} as const;

export type Words = (typeof WORDS)[Lang];

export function reasonText(r: Reason): string {
  return `${r.decision} ${r.code}${r.rule === null ? '' : ` ${r.rule}`}`;
}

export function sideText(s: ChangeSide, w: Words): string {
  const now = `${s.segment} (${s.tier})`;
  return s.was ? `${now}, ${w.was} ${s.was.segment} (${s.was.tier})` : now;
}

export function witnessText(c: Change): string {
  return `${c.witness.src} → ${c.witness.dst} ${c.witness.service}`;
}
