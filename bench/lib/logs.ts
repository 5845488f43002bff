/**
 * A flow written the way each log format writes it: for the monitor bench, and for its property
 * test (test/monitor/property.test.ts), where the same flow must
 * mean the same thing whichever format carried it.
 */
import type { LogFormat } from '../../src/monitor/readers/reader.js';

export interface TimedFlow {
  src: string;
  dst: string;
  service: string;
  /** Unix seconds. */
  time: number;
}

/** Protocol number and port of a flow service text (tcp/443, udp/53, icmp, icmpv6, proto/N). */
export function protoPort(service: string): { proto: number; port: number } {
  if (service === 'icmp') return { proto: 1, port: 0 };
  if (service === 'icmpv6') return { proto: 58, port: 0 };
  const [p, n] = service.split('/') as [string, string];
  if (p === 'tcp') return { proto: 6, port: Number(n) };
  if (p === 'udp') return { proto: 17, port: Number(n) };
  return { proto: Number(n), port: 0 };
}

const NAMES: Record<number, string> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 58: 'ICMPv6' };

function isoSeconds(t: number): string {
  return new Date(t * 1000).toISOString().replace('.000Z', 'Z');
}

export function renderLine(format: LogFormat, f: TimedFlow): string {
  const { proto, port } = protoPort(f.service);
  const ported = proto === 6 || proto === 17;
  switch (format) {
    case 'jsonl':
      return JSON.stringify({ src: f.src, dst: f.dst, service: f.service, time: isoSeconds(f.time), extra: 'kept' });
    case 'iptables':
      return `${isoSeconds(f.time)} fw kernel: DROP IN=eth0 OUT=eth1 SRC=${f.src} DST=${f.dst} LEN=60 PROTO=${NAMES[proto] ?? proto}${ported ? ` SPT=40000 DPT=${port}` : ''}`;
    case 'fortigate': {
      const d = new Date(f.time * 1000).toISOString();
      return `date=${d.slice(0, 10)} time=${d.slice(11, 19)} tz="+0000" type="traffic" srcip=${f.src} dstip=${f.dst}${ported ? ` dstport=${port}` : ''} proto=${proto} service="x y"`;
    }
    case 'vpcflow':
      return `2 123456789010 eni-1 ${f.src} ${f.dst} ${ported ? 40000 : 0} ${port} ${proto} 1 60 ${f.time} ${f.time + 1} ACCEPT OK`;
    case 'nfdump-csv': {
      const ts = new Date(f.time * 1000).toISOString().slice(0, 19).replace('T', ' ');
      return `${ts},${ts},0.000,${f.src},${f.dst},40000,${port},${NAMES[proto] ?? proto},......S.,0,0,1,60,0,0`;
    }
  }
}

export const HEADERS: Record<LogFormat, string> = {
  jsonl: '',
  iptables: '',
  fortigate: '',
  vpcflow: 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
  'nfdump-csv': 'ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt',
};
