import t from 'tap';
import { pickLang } from '../../src/http/lang.js';

t.test('Accept-Language picks Japanese only when preferred to English', async (t) => {
  const cases: [string | undefined, string][] = [
    [undefined, 'en'],
    ['', 'en'],
    ['ja', 'ja'],
    ['ja-JP', 'ja'],
    ['JA-jp', 'ja'],
    ['en-US,en;q=0.9', 'en'],
    ['en;q=0.5, ja;q=0.8', 'ja'],
    ['ja;q=0.3, en;q=0.8', 'en'],
    ['fr, ja;q=0.5', 'ja'],
    ['fr, de', 'en'],
    ['*', 'en'],
    ['ja;q=0', 'en'],
    ['zh-TW, ja-JP;q=0.9, en;q=0.8', 'ja'],
  ];
  for (const [h, want] of cases) t.equal(pickLang(h), want, String(h));
});
