/**
 * Calendar dates for exception expiry. An exception is valid through its `expires` date
 * inclusive, in policy.timezone (docs/rules.md), so everything here works on YYYY-MM-DD strings,
 * which compare correctly as text.
 */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date (2027-02-30 is not). */
export function isCalendarDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === text;
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Today's date in a time zone, as YYYY-MM-DD. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** An exception expiring on `expires` still applies on `asOf`. */
export function isActive(expires: string, asOf: string): boolean {
  return expires >= asOf;
}

/**
 * Milliseconds until the date in `timeZone` next changes: when a serving policy must
 * recompile because an exception may have expired. Found by probing, since Intl gives no
 * offsets directly; precise to the second, which is all a midnight rollover needs.
 */
export function msUntilNextDay(timeZone: string, now: Date = new Date()): number {
  const today = todayIn(timeZone, now);
  let lo = now.getTime();
  let hi = lo + 26 * 3600_000;
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2);
    if (todayIn(timeZone, new Date(mid)) === today) lo = mid;
    else hi = mid;
  }
  return hi - now.getTime();
}

/** Whole days from `from` to `to` (both YYYY-MM-DD calendar dates); negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
