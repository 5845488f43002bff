/**
 * Each reader against samples in its real format: the nfdump CSV was written by nfdump 1.7.1
 * itself (fixtures/make-pcap.py → nfpcapd -r → nfdump -o csv), the others follow the vendors'
 * documented formats (see each reader's module comment). Every sample carries the same five
 * flows of the sample city where its format can, so the expected findings below were worked out
 * once, by hand, from rules/*.yaml:
 *   10.20.100.5 → 172.16.1.10 tcp/443   lg-terminals → inet-cms: SPLIT-PATH (no sanitizer bridges it)
 *   10.10.100.7 → 10.20.100.9 tcp/445   mn-terminals → lg-terminals: MN-ISOLATION
 *   10.20.100.5 → 8.8.8.8 udp/53        lg-terminals → outside: CLOUD-AGGREGATION
 *   10.10.100.7 → 10.10.1.5 icmp        mn-terminals → mn-juki: NO-GRANT (no rule grants icmp)
 * A fixture per malformed record kind (fixtures/bad/) is rejected with its position, and the
 * good record before it still counts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import t from 'tap';
import { sanso } from '../cli/run.js';

const F = 'test/monitor/fixtures';
const AS_OF = '2026-11-30';

interface Result {
  records: number;
  parsed: number;
  rejected: number;
  findings: {
    code: string;
    src: { segment: string };
    dst: { segment: string };
    service: string;
    count: number;
    firstSeen: string | null;
    lastSeen: string | null;
    example: unknown;
    exampleAt: string;
  }[];
  rejects: { position: string; reason: string }[];
}

async function monitor(file: string, format: string, extra: string[] = []): Promise<{ code: number; r: Result; err: string }> {
  const run = await sanso(['monitor', '--from', file, '--log-format', format, '--json', '--as-of', AS_OF, ...extra]);
  return { code: run.code, r: JSON.parse(run.out) as Result, err: run.err };
}

function cells(r: Result): Record<string, number> {
  return Object.fromEntries(r.findings.map((f) => [`${f.code} ${f.src.segment}→${f.dst.segment} ${f.service}`, f.count]));
}

const SPLIT = 'SPLIT-PATH lg-terminals→inet-cms tcp/443';
const MN = 'MN-ISOLATION mn-terminals→lg-terminals tcp/445';
const CLOUD = 'CLOUD-AGGREGATION lg-terminals→outside udp/53';
const ICMP = 'NO-GRANT mn-terminals→mn-juki icmp';
const MN6 = 'MN-ISOLATION lg-terminals→mn-juki tcp/443';

t.test('iptables: syslog with ISO and BSD stamps, nft prefix, ip6tables, ICMP error quoting a packet', async (t) => {
  const { code, r } = await monitor(`${F}/iptables.log`, 'iptables', ['--year', '2026']);
  t.equal(code, 3, 'findings: exit 3');
  // 8 lines, one of them systemd's (not a record). The ICMP error comes from 198.51.100.1,
  // which the sample gives to lgwan-asp; its deny rule to the terminals decides it.
  t.same({ records: r.records, parsed: r.parsed, rejected: r.rejected }, { records: 7, parsed: 7, rejected: 0 });
  t.same(cells(r), { [SPLIT]: 2, [MN]: 1, [CLOUD]: 1, [ICMP]: 1, [MN6]: 1, 'EXPLICIT-DENY lgwan-asp→lg-terminals icmp': 1 });
  const split = r.findings.find((f) => f.code === 'SPLIT-PATH')!;
  t.equal(split.firstSeen, '2026-11-30T01:00:01.123Z', 'ISO stamp with +09:00 and microseconds');
  t.equal(split.lastSeen, '2026-11-30T01:00:08.000Z');
  t.equal(split.exampleAt, `${F}/iptables.log:1`);
  t.match(split.example, /SANSO-DROP IN=eth1/);
  t.equal(r.findings.find((f) => f.code === 'MN-ISOLATION' && f.service === 'tcp/445')!.firstSeen, '2026-11-30T01:00:03.000Z', 'BSD stamp read in --year, UTC');
});

t.test('iptables: journalctl -o export and -o json', async (t) => {
  for (const file of ['journal-export.txt', 'journal.json']) {
    const { r } = await monitor(`${F}/${file}`, 'iptables');
    t.same(cells(r), { [SPLIT]: 1, [MN]: 1 }, file);
    t.equal(r.records, 2, `${file}: the syslog entry is not a record`);
    t.equal(r.findings.find((f) => f.code === 'SPLIT-PATH')!.firstSeen, '2026-11-30T01:00:01.000Z', `${file}: __REALTIME_TIMESTAMP`);
  }
});

t.test('fortigate: traffic logs with a syslog header, quoted values; event logs skipped', async (t) => {
  const { r } = await monitor(`${F}/fortigate.log`, 'fortigate');
  t.same({ records: r.records, rejected: r.rejected }, { records: 4, rejected: 0 });
  t.same(cells(r), { [SPLIT]: 1, [MN]: 1, [CLOUD]: 1, [ICMP]: 1 });
  t.equal(r.findings.find((f) => f.code === 'SPLIT-PATH')!.firstSeen, '2026-11-30T01:00:01.000Z', 'date + time + tz');
});

t.test('vpcflow: v2 default order with its header, NODATA skipped; v5 custom order', async (t) => {
  const v2 = (await monitor(`${F}/vpcflow-v2.log`, 'vpcflow')).r;
  t.same({ records: v2.records, rejected: v2.rejected }, { records: 4, rejected: 0 });
  t.same(cells(v2), { [SPLIT]: 1, [MN]: 1, [CLOUD]: 1, [ICMP]: 1 });
  t.equal(v2.findings.find((f) => f.code === 'SPLIT-PATH')!.firstSeen, new Date(1796000401 * 1000).toISOString());
  const v5 = (await monitor(`${F}/vpcflow-v5-custom.log`, 'vpcflow')).r;
  t.same(cells(v5), { [SPLIT]: 1, [MN6]: 1 });
  // Without a header, the default v2 order: the same records minus the header line.
  const lines = readFileSync(`${F}/vpcflow-v2.log`, 'utf8').split('\n').slice(1).join('\n');
  const run = await sanso(['monitor', '--from', '-', '--log-format', 'vpcflow', '--json', '--as-of', AS_OF], lines);
  t.same(cells(JSON.parse(run.out) as Result), cells(v2), 'no header: v2 order');
});

t.test('nfdump-csv: the real output of nfdump 1.7.1, summary block skipped', async (t) => {
  const { r } = await monitor(`${F}/nfdump-1.7.1.csv`, 'nfdump-csv');
  t.same({ records: r.records, rejected: r.rejected }, { records: 9, rejected: 0 }, 'nine flows (nfpcapd made one per second for UDP and ICMP)');
  t.same(cells(r), { [SPLIT]: 2, [MN]: 1, [CLOUD]: 3, [ICMP]: 3 });
  const cloud = r.findings.find((f) => f.code === 'CLOUD-AGGREGATION')!;
  t.same([cloud.firstSeen, cloud.lastSeen], ['2026-11-18T11:06:44.000Z', '2026-11-18T11:06:46.000Z']);
});

t.test('jsonl: any key order and spacing, escapes, extra fields kept as the example', async (t) => {
  const { r } = await monitor(`${F}/flows.jsonl`, 'jsonl');
  t.same({ records: r.records, rejected: r.rejected }, { records: 6, rejected: 0 });
  t.same(cells(r), { [SPLIT]: 2, [MN]: 1, [CLOUD]: 1, [ICMP]: 1, [MN6]: 1 });
  const split = r.findings.find((f) => f.code === 'SPLIT-PATH')!;
  t.same(split.example, { src: '10.20.100.5', dst: '172.16.1.10', service: 'tcp/443', time: '2026-11-30T01:00:01Z', municipality: 'yokohama' });
  t.equal(r.findings.find((f) => f.code === 'NO-GRANT')!.firstSeen, null, 'no time: null');
});

const BAD: Record<string, string> = {
  'fortigate-bad-date.log': 'date/time: the timestamp is not a date and time',
  'fortigate-bad-proto.log': 'proto: not a protocol name or number 0-255',
  'fortigate-no-srcip.log': 'no source address',
  'fortigate-port-zero.log': 'dstport: the destination port is not a number 1-65535',
  'iptables-bad-proto.log': 'PROTO: not a protocol name or number 0-255',
  'iptables-bad-src.log': 'SRC: an IPv4 octet is greater than 255',
  'iptables-no-dpt.log': 'DPT: tcp or udp without a destination port',
  'iptables-no-dst.log': 'no destination address',
  'jsonl-bad-time.jsonl': '"time": the timestamp is not a date and time',
  'jsonl-invalid-utf8.jsonl': 'the line is not valid UTF-8',
  'jsonl-leading-zero.jsonl': 'src "10.20.100.05": an IPv4 octet has a leading zero (ambiguous: octal or decimal?)',
  'jsonl-missing-field.jsonl': 'no "dst"',
  'jsonl-not-json.jsonl': 'not a JSON object',
  'jsonl-not-object.jsonl': 'not a JSON object',
  'jsonl-port-range.jsonl': 'service "tcp/80-81": a flow has one port, not a range',
  'nfdump-csv-bad-proto.csv': 'pr: not a protocol name or number 0-255',
  'nfdump-csv-bad-sa.csv': 'sa: not an IPv4 or IPv6 address',
  'nfdump-csv-bad-ts.csv': 'ts: the timestamp is not a date and time',
  'nfdump-csv-short.csv': 'fewer fields than the header names (4 of 8)',
  'vpcflow-bad-start.log': 'start: the timestamp is not a date and time',
  'vpcflow-dash-in-ok.log': 'srcaddr: not an IPv4 or IPv6 address',
  'vpcflow-port-range.log': 'dstport: the destination port is not a number 1-65535',
  'vpcflow-short.log': 'fewer fields than the header names (9 of 14)',
};

t.test('a fixture per malformed record: counted, reported with FILE:LINE, never fatal', async (t) => {
  const files = readdirSync(`${F}/bad`).sort();
  t.same(files, Object.keys(BAD).sort(), 'every fixture has its expected reason');
  for (const file of files) {
    const format = file.startsWith('nfdump-csv') ? 'nfdump-csv' : file.split('-')[0]!;
    const { code, r, err } = await monitor(`${F}/bad/${file}`, format);
    const last = readFileSync(`${F}/bad/${file}`, 'utf8').trimEnd().split('\n').length;
    const position = `${F}/bad/${file}:${last}`;
    t.same(r.rejects, [{ position, reason: BAD[file] }], file);
    t.equal(r.rejected, 1, `${file}: counted`);
    t.equal(r.parsed, 1, `${file}: the good record still counts`);
    t.equal(code, 3, `${file}: the run goes on to its findings`);
    t.match(err, `${position}: ${BAD[file]}`, `${file}: on standard error`);
  }
});

t.test('a line longer than 1 MiB is one rejected record; the next line reads', async (t) => {
  const long = `{"src":"10.20.100.5","dst":"172.16.1.10","service":"tcp/443","pad":"${'x'.repeat((1 << 20) + 10)}"}`;
  const run = await sanso(
    ['monitor', '--from', '-', '--log-format', 'jsonl', '--json', '--as-of', AS_OF],
    `${long}\n{"src":"10.20.100.5","dst":"172.16.1.10","service":"tcp/443"}\n`,
  );
  const r = JSON.parse(run.out) as Result;
  t.same([r.records, r.parsed, r.rejected], [2, 1, 1]);
  t.same(r.rejects, [{ position: '-:1', reason: 'the line is longer than the limit (1 MiB)' }]);
});
