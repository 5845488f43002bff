/**
 * What a Japanese message must be, for every test that checks one: kana or kanji in it, and no
 * English sentence left in it.
 */
export const JAPANESE = /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u;

/**
 * English left in a Japanese message: three or more English words in a row. Quoted text (the
 * user's own names and values, 「…」 and "…"), paths and identifiers (policy.model, tcp/443,
 * tier:internet, F-010) are not sentences and are taken out first.
 */
export function englishFragment(ja: string): string | null {
  const bare = ja
    .replace(/「[^」]*」/g, ' ')
    .replace(/"[^"]*"/g, ' ')
    .replace(/\S*[./:\\_\d-]\S*/g, ' ');
  const m = /\b[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}\b/.exec(bare);
  return m ? m[0] : null;
}
