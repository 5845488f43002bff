/**
 * Services as numbers. The service key space is proto * 65536 + port, with port 0 for protocols
 * that have no ports; tcp and udp use ports 1–65535. A rule's service is a range of keys, a flow's
 * service is one key. Shared by the rule compiler, the lookup and the change-request check so
 * that all three read `tcp/443` the same way.
 */
import type { ServiceRange } from './types.js';

export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_ICMPV6 = 58;
export const KEY_SPACE = 256 * 65536;
export const ANY: ServiceRange = { lo: 0, hi: KEY_SPACE - 1 };

export function hasPorts(proto: number): boolean {
  return proto === PROTO_TCP || proto === PROTO_UDP;
}

export function serviceKey(proto: number, port: number): number {
  return proto * 65536 + port;
}

const NAMED: Record<string, number> = { tcp: PROTO_TCP, udp: PROTO_UDP, icmp: PROTO_ICMP, icmpv6: PROTO_ICMPV6 };
const WORD = /^(tcp|udp|icmp|icmpv6|proto)(?:\/(.*))?$/;
const PORT = /^(0|[1-9]\d{0,4})$/;

/** A failure says why in English (`reason`) and in Japanese (`ja`). */
export type ServiceResult = { ok: true; range: ServiceRange } | { ok: false; reason: string; ja: string };

function port(text: string): number | { reason: string; ja: string } {
  if (!PORT.test(text)) return { reason: `port "${text}" is not a number`, ja: `ポート「${text}」が数値ではありません` };
  const n = Number(text);
  if (n < 1 || n > 65535) return { reason: `port ${n} is out of range (1–65535)`, ja: `ポート ${n} が範囲（1〜65535）外です` };
  return n;
}

/**
 * A service as a rule writes it: tcp/443, udp/8000-8080, tcp (every tcp port), icmp, icmpv6,
 * proto/47, any. Case-sensitive lower case, no spaces: rule files are reviewed as text.
 */
export function parseServiceRange(text: string): ServiceResult {
  if (text === 'any') return { ok: true, range: ANY };
  const m = WORD.exec(text);
  if (!m) {
    return {
      ok: false,
      reason: `"${text}" is not a service (tcp/443, udp/53, tcp/8000-8080, icmp, icmpv6, proto/47, any)`,
      ja: `「${text}」はサービスではありません（tcp/443、udp/53、tcp/8000-8080、icmp、icmpv6、proto/47、any）`,
    };
  }
  const word = m[1]!;
  const rest = m[2];
  if (word === 'proto') {
    if (rest === undefined || !/^(0|[1-9]\d{0,2})$/.test(rest) || Number(rest) > 255) {
      return { ok: false, reason: `"${text}": proto/N takes a protocol number 0–255`, ja: `「${text}」: proto/N にはプロトコル番号 0〜255 を書きます` };
    }
    const p = Number(rest);
    return { ok: true, range: hasPorts(p) ? { lo: serviceKey(p, 1), hi: serviceKey(p, 65535) } : { lo: serviceKey(p, 0), hi: serviceKey(p, 0) } };
  }
  const proto = NAMED[word]!;
  if (!hasPorts(proto)) {
    if (rest !== undefined) return { ok: false, reason: `"${text}": ${word} has no ports`, ja: `「${text}」: ${word} にはポートがありません` };
    return { ok: true, range: { lo: serviceKey(proto, 0), hi: serviceKey(proto, 0) } };
  }
  if (rest === undefined) return { ok: true, range: { lo: serviceKey(proto, 1), hi: serviceKey(proto, 65535) } };
  const dash = rest.indexOf('-');
  const lo = port(dash < 0 ? rest : rest.slice(0, dash));
  if (typeof lo !== 'number') return { ok: false, reason: `"${text}": ${lo.reason}`, ja: `「${text}」: ${lo.ja}` };
  const hi = dash < 0 ? lo : port(rest.slice(dash + 1));
  if (typeof hi !== 'number') return { ok: false, reason: `"${text}": ${hi.reason}`, ja: `「${text}」: ${hi.ja}` };
  if (hi < lo) return { ok: false, reason: `"${text}": port range is upside down (${lo} > ${hi})`, ja: `「${text}」: ポート範囲が逆です（${lo} > ${hi}）` };
  return { ok: true, range: { lo: serviceKey(proto, lo), hi: serviceKey(proto, hi) } };
}

/** Text for one service key, as a flow or witness writes it: tcp/443, icmp, proto/47. */
export function formatServiceKey(key: number): string {
  const proto = Math.floor(key / 65536);
  const p = key % 65536;
  if (hasPorts(proto)) return `${proto === PROTO_TCP ? 'tcp' : 'udp'}/${p}`;
  if (proto === PROTO_ICMP) return 'icmp';
  if (proto === PROTO_ICMPV6) return 'icmpv6';
  return `proto/${proto}`;
}

/** Whether a key is a real flow service (tcp/udp need a port, others none). */
export function isFlowKey(key: number): boolean {
  if (key < 0 || key >= KEY_SPACE) return false;
  const proto = Math.floor(key / 65536);
  const p = key % 65536;
  return hasPorts(proto) ? p >= 1 : p === 0;
}

const PROTO_WORDS: Record<number, string> = { [PROTO_TCP]: 'tcp', [PROTO_UDP]: 'udp', [PROTO_ICMP]: 'icmp', [PROTO_ICMPV6]: 'icmpv6' };

/**
 * Service ranges as people read them: merged, split by protocol, `tcp/443-445`, `udp/53`, `tcp`
 * (every port), `icmp`, `proto/47`; several whole numbered protocols in a row as `proto/7-16`
 * (display only: rule files list them one by one), and the whole key space as `any`. Keys that
 * are no flow service (tcp port 0) are left out.
 */
export function formatServiceRanges(ranges: readonly ServiceRange[]): string[] {
  const sorted = [...ranges].sort((a, b) => a.lo - b.lo);
  const merged: ServiceRange[] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && r.lo <= last.hi + 1) last.hi = Math.max(last.hi, r.hi);
    else merged.push({ lo: r.lo, hi: r.hi });
  }
  // Per protocol: every flow key inside (whole), or the port span inside (tcp/udp only).
  const parts: { proto: number; whole: boolean; a: number; b: number }[] = [];
  for (const r of merged) {
    for (let p = Math.floor(r.lo / 65536); p <= Math.floor(r.hi / 65536); p++) {
      const first = hasPorts(p) ? 1 : 0;
      const last = hasPorts(p) ? 65535 : 0;
      const a = Math.max(r.lo - serviceKey(p, 0), first);
      const b = Math.min(r.hi - serviceKey(p, 0), last);
      if (a > b) continue;
      parts.push({ proto: p, whole: a === first && b === last, a, b });
    }
  }
  if (parts.length === 256 && parts.every((x) => x.whole)) return ['any'];
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const x = parts[i]!;
    const word = PROTO_WORDS[x.proto];
    if (!x.whole) out.push(`${word}/${x.a === x.b ? x.a : `${x.a}-${x.b}`}`);
    else if (word !== undefined) out.push(word);
    else {
      let j = i;
      while (j + 1 < parts.length && parts[j + 1]!.whole && parts[j + 1]!.proto === parts[j]!.proto + 1 && PROTO_WORDS[parts[j + 1]!.proto] === undefined) j++;
      out.push(j === i ? `proto/${x.proto}` : `proto/${x.proto}-${parts[j]!.proto}`);
      i = j;
    }
  }
  return out;
}
