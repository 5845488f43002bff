/**
 * "Did you mean …?" for misspelt names, keys and enum values. A suggestion is only offered when
 * it is close enough that a reader would recognise the typo (lgwn → lgwan), never as a guess.
 */
import type { Lang } from '../i18n/messages.js';

/** Levenshtein distance, with an early exit once it exceeds `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (cur[j]! < rowMin) rowMin = cur[j]!;
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The candidate closest to `word` if it is within a third of the word's length (at least 1,
 * at most 3 edits), preferring the earliest candidate on ties; a case-only difference always counts.
 */
export function closest(word: string, candidates: Iterable<string>): string | null {
  const max = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: string | null = null;
  let bestD = max + 1;
  for (const c of candidates) {
    if (c === word) continue;
    const d = c.toLowerCase() === word.toLowerCase() ? 0 : editDistance(word, c, max);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

/** "; did you mean \"lgwan\"?" or "" (in Japanese a parenthesis, which fits after any clause). */
export function didYouMean(word: string, candidates: Iterable<string>, lang: Lang = 'en'): string {
  const c = closest(word, candidates);
  if (c === null) return '';
  return lang === 'ja' ? `（「${c}」の誤りではありませんか）` : `; did you mean "${c}"?`;
}
