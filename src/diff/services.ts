/**
 * A set of service keys (proto * 65536 + port, see model/services.ts) as people read it:
 * `tcp/443-445`, `udp/53`, `tcp` (every port), `icmp`, `proto/47`, `proto/50-51` (a run of
 * port-less protocols), or `any` for every flow service. Keys that are no flow (tcp port 0, a
 * port on a port-less protocol) are left out: they are not services a flow can have.
 */
import { KEY_SPACE, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP, hasPorts } from '../model/services.js';

/** Flow keys in the whole key space: two port ranges and 254 port-less protocols. */
const ALL_FLOW_KEYS = 2 * 65535 + 254;

function protoName(p: number): string {
  return p === PROTO_ICMP ? 'icmp' : p === PROTO_ICMPV6 ? 'icmpv6' : `proto/${p}`;
}

/** Sorts and merges inclusive key ranges (adjacent ones too). */
export function mergeKeyRanges(ranges: readonly (readonly [number, number])[]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) {
      if (hi > last[1]) last[1] = hi;
    } else out.push([lo, hi]);
  }
  return out;
}

/** The texts of the flow services inside merged key ranges: tcp, then udp, then by protocol number. */
export function serviceTexts(merged: readonly (readonly [number, number])[]): string[] {
  const ports: Record<number, [number, number][]> = { [PROTO_TCP]: [], [PROTO_UDP]: [] };
  const portless: number[] = [];
  let flows = 0;
  for (const [lo, hi] of merged) {
    const pLo = Math.floor(lo / 65536);
    const pHi = Math.floor(Math.min(hi, KEY_SPACE - 1) / 65536);
    for (let p = pLo; p <= pHi; p++) {
      const a = p === pLo ? lo % 65536 : 0;
      const b = p === pHi ? hi % 65536 : 65535;
      if (hasPorts(p)) {
        const from = Math.max(1, a);
        if (from > b) continue;
        const list = ports[p]!;
        const last = list[list.length - 1];
        // Merged ranges never touch, but a range that ends at port 0 of the next protocol can
        // leave two pieces of one port range: join them.
        if (last && from <= last[1] + 1) last[1] = Math.max(last[1], b);
        else list.push([from, b]);
        flows += b - from + 1;
      } else if (a === 0) {
        if (portless[portless.length - 1] !== p) portless.push(p);
      }
    }
  }
  flows += portless.length;
  if (flows === ALL_FLOW_KEYS) return ['any'];
  const out: string[] = [];
  for (const p of [PROTO_TCP, PROTO_UDP]) {
    const name = p === PROTO_TCP ? 'tcp' : 'udp';
    for (const [a, b] of ports[p]!) out.push(a === 1 && b === 65535 ? name : a === b ? `${name}/${a}` : `${name}/${a}-${b}`);
  }
  for (let i = 0; i < portless.length; ) {
    let j = i;
    while (j + 1 < portless.length && portless[j + 1] === portless[j]! + 1) j++;
    const a = portless[i]!;
    const b = portless[j]!;
    if (a === b) out.push(protoName(a));
    else if (b === a + 1) out.push(protoName(a), protoName(b));
    else out.push(`proto/${a}-${b}`);
    i = j + 1;
  }
  return out;
}
