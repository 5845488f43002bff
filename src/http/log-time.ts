/**
 * The one time format of every log sanso writes — the service log (pino, stderr) and the decision
 * log (decision-log.ts): ISO 8601 in UTC with milliseconds, `"time":"2026-11-30T12:00:00.000Z"`
 * (docs/service.md). An auditor lines the two up by eye and by `sort`; epoch milliseconds in one
 * and ISO text in the other would need a conversion to compare.
 *
 * The decision log writes it on the /v1/decide hot path, so the text is built from a cached
 * second ("2026-11-30T12:00:00.") and a table of the thousand "mmmZ" endings: one Date per
 * second instead of one per entry, and no number formatting per entry.
 */

const MILLIS: readonly string[] = Array.from({ length: 1000 }, (_, i) => `${String(i).padStart(3, '0')}Z`);

let cachedSecond = Number.NaN;
let cachedPrefix = '';

/** `ms` (epoch milliseconds) as `YYYY-MM-DDTHH:MM:SS.mmmZ`, exactly what Date#toISOString gives. */
export function isoTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    // Everything but the "000Z" of a whole second: right for years past 9999 (+YYYYYY) too.
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, -4);
  }
  return cachedPrefix + MILLIS[ms - second * 1000]!;
}

/** pino's `timestamp` option: the field as pino splices it into each line. */
export function pinoIsoTime(): string {
  return `,"time":"${isoTime(Date.now())}"`;
}
