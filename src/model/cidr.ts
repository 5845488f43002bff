/**
 * Strict CIDR and address parsing for rule files and change requests (compile time only: ip-num
 * objects are bigint-backed and never reach the lookup). As docs/rules.md says: host bits, an out-of-range
 * prefix, a leading zero or a zone id is an error, never silently normalised.
 */
import ipnum from 'ip-num';

const { IPv4CidrRange, IPv6CidrRange, Validator } = ipnum;

export interface ParsedCidr {
  family: 4 | 6;
  prefix: number;
  first: bigint;
  last: bigint;
}

/** A failure says why in English (`reason`) and in Japanese (`ja`), for problems in either language. */
export type CidrResult = { ok: true; cidr: ParsedCidr } | { ok: false; reason: string; ja: string };

interface Why {
  reason: string;
  ja: string;
}

const V4_ADDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const V6_CHARS = /^[0-9a-fA-F:.]+$/;
/** The IPv4-mapped block ::ffff:0:0/96: such addresses resolve as IPv4 (docs/rules.md). */
export const V4_MAPPED_FIRST = 0xffffn << 32n;

function checkV4(addr: string): Why | null {
  const m = V4_ADDR.exec(addr);
  if (!m) return { reason: `"${addr}" is not an IPv4 address`, ja: `「${addr}」は IPv4 アドレスではありません` };
  for (let i = 1; i <= 4; i++) {
    const octet = m[i]!;
    if (octet.length > 1 && octet.startsWith('0')) {
      return { reason: `octet "${octet}" has a leading zero (ambiguous: octal or decimal?)`, ja: `オクテット「${octet}」の先頭に 0 があります（8 進数か 10 進数か曖昧です）` };
    }
    if (Number(octet) > 255) return { reason: `octet "${octet}" is greater than 255`, ja: `オクテット「${octet}」が 255 を超えています` };
  }
  return null;
}

function checkV6(addr: string): Why | null {
  if (addr.includes('%')) return { reason: 'a zone id (%…) has no meaning in a rule', ja: 'ゾーン ID（%…）はルールでは意味を持ちません' };
  const notV6 = { reason: `"${addr}" is not an IPv6 address`, ja: `「${addr}」は IPv6 アドレスではありません` };
  if (!V6_CHARS.test(addr)) return notV6;
  if (!Validator.isValidIPv6String(addr)[0]) return notV6;
  // An embedded IPv4 tail must be strict too.
  const tail = addr.slice(addr.lastIndexOf(':') + 1);
  if (tail.includes('.')) return checkV4(tail);
  return null;
}

function hexTail(addr: string): string {
  const cut = addr.lastIndexOf(':');
  const tail = addr.slice(cut + 1);
  if (!tail.includes('.')) return addr;
  const [a, b, c, d] = tail.split('.').map(Number) as [number, number, number, number];
  return `${addr.slice(0, cut + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

/**
 * Parses "a.b.c.d/n" or "x::/n". With `allowBareAddress`, a lone address stands for /32 or /128
 * (change requests take addresses; rule files require the prefix so intent is explicit).
 */
export function parseCidr(text: string, allowBareAddress = false): CidrResult {
  if (typeof text !== 'string' || text.length === 0) return { ok: false, reason: 'empty address', ja: 'アドレスが空です' };
  if (text.trim() !== text) return { ok: false, reason: 'surrounding white space', ja: '前後に空白があります' };
  const slash = text.indexOf('/');
  if (slash < 0 && !allowBareAddress) {
    return { ok: false, reason: `"${text}" has no prefix length (write e.g. ${text}/32)`, ja: `「${text}」にプレフィックス長がありません（例: ${text}/32）` };
  }
  const addr = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? null : text.slice(slash + 1);
  const family: 4 | 6 = addr.includes(':') ? 6 : 4;
  const bad = family === 4 ? checkV4(addr) : checkV6(addr);
  if (bad) return { ok: false, ...bad };
  const max = family === 4 ? 32 : 128;
  let prefix = max;
  if (prefixText !== null) {
    if (!/^\d{1,3}$/.test(prefixText) || (prefixText.length > 1 && prefixText.startsWith('0'))) {
      return { ok: false, reason: `prefix "/${prefixText}" is not a number`, ja: `プレフィックス「/${prefixText}」が数値ではありません` };
    }
    prefix = Number(prefixText);
    if (prefix > max)
      return { ok: false, reason: `prefix /${prefix} is out of range for IPv${family} (0–${max})`, ja: `プレフィックス /${prefix} は IPv${family} の範囲（0〜${max}）外です` };
  }
  // ip-num reads no dotted IPv4 tail inside IPv6 (::ffff:10.0.0.1): hand it the hex form.
  const plain = family === 6 ? hexTail(addr) : addr;
  const range = family === 4 ? IPv4CidrRange.fromCidr(`${plain}/${prefix}`) : IPv6CidrRange.fromCidr(`${plain}/${prefix}`);
  const first = range.getFirst().getValue();
  const last = range.getLast().getValue();
  const given = family === 4 ? ipnum.IPv4.fromString(plain).getValue() : ipnum.IPv6.fromString(plain).getValue();
  if (given !== first) {
    const net = family === 4 ? range.getFirst().toString() : compressV6(first);
    return { ok: false, reason: `host bits are set (the network is ${net}/${prefix})`, ja: `ホスト部のビットが立っています（ネットワークアドレスは ${net}/${prefix}）` };
  }
  return { ok: true, cidr: { family, prefix, first, last } };
}

/** RFC 5952 text of an IPv6 address held as a bigint (for messages and witnesses). */
export function compressV6(value: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function formatV4(value: number | bigint): string {
  const n = Number(value);
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function formatAddress(family: 4 | 6, value: bigint): string {
  return family === 4 ? formatV4(value) : compressV6(value);
}
