/**
 * The language of decision messages from Accept-Language (RFC 9110 §12.5.4): Japanese when
 * the caller prefers it to English, English otherwise. Only the primary subtag matters.
 */
import type { Lang } from '../i18n/messages.js';

export type { Lang };

export function pickLang(header: string | undefined): Lang {
  if (header === undefined || header === '') return 'en';
  // The common cases, without splitting strings.
  if (header.startsWith('ja') && !header.includes('q=')) return 'ja';
  let best: Lang = 'en';
  let bestQ = -1;
  for (const part of header.split(',', 32)) {
    const [tagRaw = '', ...params] = part.split(';');
    const tag = tagRaw.trim().toLowerCase();
    const primary = tag.split('-', 1)[0];
    const lang: Lang | null = primary === 'ja' ? 'ja' : primary === 'en' || primary === '*' ? 'en' : null;
    if (lang === null) continue;
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(p);
      if (m) q = Number(m[1]);
    }
    if (q > bestQ) {
      best = lang;
      bestQ = q;
    }
  }
  return bestQ <= 0 ? 'en' : best;
}
