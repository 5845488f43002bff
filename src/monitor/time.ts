/**
 * Timestamps as logs write them, read from bytes into Unix milliseconds (NaN where there is
 * none or it is not a time). Without allocation: a record's first and last seen are kept for
 * every denied record, and Date.parse would need a string each time.
 */

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(buf: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = buf[i]! - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

function valid(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60) return false;
  if (d > MONTH_DAYS[mo - 1]!) return false;
  return !(mo === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)));
}

/** A zone offset ±HH:MM, ±HHMM, ±HH or Z in buf[from, to) → minutes east of UTC; NaN if not. */
export function zoneMinutes(buf: Uint8Array, from: number, to: number): number {
  const n = to - from;
  if (n === 1 && (buf[from] === 90 || buf[from] === 122)) return 0;
  const sign = buf[from] === 43 ? 1 : buf[from] === 45 ? -1 : 0;
  if (sign === 0) return Number.NaN;
  const h = digits(buf, from + 1, 2);
  let m = 0;
  if (n === 6 && buf[from + 3] === 58) m = digits(buf, from + 4, 2);
  else if (n === 5) m = digits(buf, from + 3, 2);
  else if (n !== 3) return Number.NaN;
  if (h < 0 || m < 0 || h > 23 || m > 59) return Number.NaN;
  return sign * (h * 60 + m);
}

/**
 * YYYY-MM-DD[T or space]HH:MM:SS[.fraction][zone] in buf[from, to) (the whole range) → ms.
 * No zone means UTC (documented in docs/monitor.md: run nfdump with TZ=UTC).
 */
export function isoTime(buf: Uint8Array, from: number, to: number): number {
  if (to - from < 19) return Number.NaN;
  const y = digits(buf, from, 4);
  const mo = digits(buf, from + 5, 2);
  const d = digits(buf, from + 8, 2);
  const sep = buf[from + 10];
  const h = digits(buf, from + 11, 2);
  const mi = digits(buf, from + 14, 2);
  const s = digits(buf, from + 17, 2);
  if (buf[from + 4] !== 45 || buf[from + 7] !== 45 || (sep !== 84 && sep !== 32 && sep !== 116) || buf[from + 13] !== 58 || buf[from + 16] !== 58) return Number.NaN;
  if (!valid(y, mo, d, h, mi, s)) return Number.NaN;
  let i = from + 19;
  let ms = 0;
  if (i < to && (buf[i] === 46 || buf[i] === 44)) {
    i++;
    let scale = 100;
    const start = i;
    while (i < to && buf[i]! >= 48 && buf[i]! <= 57) {
      ms += (buf[i]! - 48) * scale;
      scale /= 10;
      i++;
    }
    if (i === start) return Number.NaN;
    ms = Math.floor(ms);
  }
  let zone = 0;
  if (i < to) {
    zone = zoneMinutes(buf, i, to);
    if (Number.isNaN(zone)) return Number.NaN;
  }
  return ((daysFromCivil(y, mo, d) * 24 + h) * 60 + mi - zone) * 60000 + s * 1000 + ms;
}

const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';

/**
 * A BSD syslog stamp "Mmm dd HH:MM:SS" at buf[from] (15 bytes; the day may be space-padded),
 * in the given year, UTC: the format carries neither (docs/monitor.md says so). NaN if not.
 */
export function bsdTime(buf: Uint8Array, from: number, to: number, year: number): number {
  if (to - from < 15) return Number.NaN;
  let mo = -1;
  for (let k = 0; k < 12; k++) {
    if (buf[from] === MONTHS.charCodeAt(k * 3) && buf[from + 1] === MONTHS.charCodeAt(k * 3 + 1) && buf[from + 2] === MONTHS.charCodeAt(k * 3 + 2)) {
      mo = k + 1;
      break;
    }
  }
  if (mo < 0 || buf[from + 3] !== 32 || buf[from + 6] !== 32 || buf[from + 9] !== 58 || buf[from + 12] !== 58) return Number.NaN;
  const d = buf[from + 4] === 32 ? digits(buf, from + 5, 1) : digits(buf, from + 4, 2);
  const h = digits(buf, from + 7, 2);
  const mi = digits(buf, from + 10, 2);
  const s = digits(buf, from + 13, 2);
  if (!valid(year, mo, d, h, mi, s)) return Number.NaN;
  return (((daysFromCivil(year, mo, d) * 24 + h) * 60 + mi) * 60 + s) * 1000;
}

/** Unix seconds (up to 10 digits) or milliseconds/micro/nanoseconds by length → ms; NaN if not digits. */
export function epochTime(buf: Uint8Array, from: number, to: number): number {
  const n = to - from;
  if (n === 0 || n > 19) return Number.NaN;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = buf[i]! - 48;
    if (c < 0 || c > 9) return Number.NaN;
    v = v * 10 + c;
  }
  // Seconds until 2286 have ≤ 10 digits; 13 ms, 16 µs, 19 ns (FortiOS eventtime, journald).
  if (n <= 10) return v * 1000;
  if (n <= 13) return v;
  if (n <= 16) return Math.floor(v / 1000);
  return Math.floor(v / 1e6);
}
