/**
 * The first packet of a new connection, byte for byte: TCP SYN, a UDP datagram, an ICMP or
 * ICMPv6 echo request, a bare GRE header. The kernel test sends these through a raw socket in
 * host A (IP_HDRINCL), so source addresses are exact and no TCP state or retransmission in A
 * gets in the way. Checksums must be right: conntrack in the firewall marks a packet with a bad
 * checksum INVALID, which would not be a new connection.
 */
import { parseV4, parseV6 } from '../../src/device/addresses.js';

function sum16(buf: Uint8Array, start = 0, end = buf.length, acc = 0): number {
  let s = acc;
  for (let i = start; i < end; i += 2) s += (buf[i]! << 8) | (i + 1 < end ? buf[i + 1]! : 0);
  return s;
}

function fold(s: number): number {
  let x = s;
  while (x > 0xffff) x = (x & 0xffff) + Math.floor(x / 65536);
  return ~x & 0xffff;
}

function addrBytes(fam: 4 | 6, text: string): Uint8Array {
  if (fam === 4) {
    const n = parseV4(text)!;
    return Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
  }
  let n = parseV6(text)!;
  const out = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(n & 255n);
    n >>= 8n;
  }
  return out;
}

/** The transport part (header and a little payload), checksum not yet set. */
function transport(proto: number, port: number, sport: number, id: number): { bytes: Uint8Array; csumAt: number | null; pseudo: boolean } {
  if (proto === 6) {
    const b = new Uint8Array(20);
    const v = new DataView(b.buffer);
    v.setUint16(0, sport);
    v.setUint16(2, port);
    v.setUint32(4, (id * 2654435761) >>> 0);
    b[12] = 5 << 4;
    b[13] = 0x02; // SYN
    v.setUint16(14, 64240);
    return { bytes: b, csumAt: 16, pseudo: true };
  }
  if (proto === 17) {
    const b = new Uint8Array(12);
    const v = new DataView(b.buffer);
    v.setUint16(0, sport);
    v.setUint16(2, port);
    v.setUint16(4, 12);
    b.set([0x73, 0x61, 0x6e, 0x73], 8); // "sans"
    return { bytes: b, csumAt: 6, pseudo: true };
  }
  if (proto === 1 || proto === 58) {
    const b = new Uint8Array(16);
    const v = new DataView(b.buffer);
    b[0] = proto === 1 ? 8 : 128; // echo request
    v.setUint16(4, id & 0xffff);
    v.setUint16(6, 1);
    b.set([0x73, 0x61, 0x6e, 0x73, 0x6f, 0, 0, 0], 8);
    return { bytes: b, csumAt: 2, pseudo: proto === 58 };
  }
  if (proto === 47) return { bytes: Uint8Array.of(0, 0, 0x08, 0), csumAt: null, pseudo: false };
  throw new Error(`no packet for protocol ${proto}`);
}

/** A whole IP packet. `id` varies source port, sequence and ICMP id between sends. */
export function packet(fam: 4 | 6, src: string, dst: string, proto: number, port: number, id: number): Uint8Array {
  const s = addrBytes(fam, src);
  const d = addrBytes(fam, dst);
  const sport = 20000 + (id % 40000);
  const t = transport(proto, port, sport, id);
  if (t.csumAt !== null) {
    let acc = 0;
    if (t.pseudo) {
      const len = t.bytes.length;
      acc = sum16(s) + sum16(d) + proto + len;
    }
    const c = fold(sum16(t.bytes, 0, t.bytes.length, acc));
    // UDP sends 0 as "no checksum"; 0xffff means the same sum.
    const v = c === 0 && proto === 17 ? 0xffff : c;
    t.bytes[t.csumAt] = v >>> 8;
    t.bytes[t.csumAt + 1] = v & 255;
  }
  if (fam === 4) {
    const h = new Uint8Array(20);
    const v = new DataView(h.buffer);
    h[0] = 0x45;
    v.setUint16(2, 20 + t.bytes.length);
    v.setUint16(4, id & 0xffff);
    v.setUint16(6, 0x4000); // DF
    h[8] = 64;
    h[9] = proto;
    h.set(s, 12);
    h.set(d, 16);
    const c = fold(sum16(h));
    h[10] = c >>> 8;
    h[11] = c & 255;
    const out = new Uint8Array(20 + t.bytes.length);
    out.set(h);
    out.set(t.bytes, 20);
    return out;
  }
  const h = new Uint8Array(40);
  const v = new DataView(h.buffer);
  v.setUint32(0, 0x60000000);
  v.setUint16(4, t.bytes.length);
  h[6] = proto;
  h[7] = 64;
  h.set(s, 8);
  h.set(d, 24);
  const out = new Uint8Array(40 + t.bytes.length);
  out.set(h);
  out.set(t.bytes, 40);
  return out;
}

/**
 * The sender that runs in host A: Perl (Debian's perl-base is Essential, so it is on every
 * Debian machine and CI image) with two raw sockets, reading "family destination hex" lines.
 * It pauses briefly every 64 packets so the veth backlog never overflows.
 */
export const SENDER = String.raw`
use strict; use Socket qw(PF_INET PF_INET6 SOCK_RAW AF_INET AF_INET6 inet_pton pack_sockaddr_in pack_sockaddr_in6);
socket(my $s4, PF_INET, SOCK_RAW, 255) or die "raw IPv4 socket: $!\n";
socket(my $s6, PF_INET6, SOCK_RAW, 255) or die "raw IPv6 socket: $!\n";
my $n = 0;
while (my $l = <STDIN>) {
  chomp $l; my ($f, $dst, $hex) = split / /, $l;
  my $p = pack('H*', $hex);
  if ($f == 4) { send($s4, $p, 0, pack_sockaddr_in(0, inet_pton(AF_INET, $dst))) or die "send $dst: $!\n"; }
  else { send($s6, $p, 0, pack_sockaddr_in6(0, inet_pton(AF_INET6, $dst))) or die "send $dst: $!\n"; }
  select(undef, undef, undef, 0.001) if ++$n % 64 == 0;
}
`;
