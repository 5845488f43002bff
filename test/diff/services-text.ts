/** Reading back the service texts a change lists (src/diff/services.ts), for the tests. */
import { parseServiceRange } from '../../src/model/services.js';

/** Whether a change's service texts hold a flow key (the texts of src/diff/services.ts). */
export function servicesHold(texts: readonly string[], key: number): boolean {
  for (const text of texts) {
    const m = /^proto\/(\d+)-(\d+)$/.exec(text);
    if (m) {
      const p = Math.floor(key / 65536);
      if (key % 65536 === 0 && p >= Number(m[1]) && p <= Number(m[2])) return true;
      continue;
    }
    const r = parseServiceRange(text);
    if (!r.ok) throw new Error(`a change lists a service sanso cannot read: ${text}`);
    if (key >= r.range.lo && key <= r.range.hi) return true;
  }
  return false;
}
