/**
 * The JSON-lines reader's fast path accepts a subset of what its slow path (JSON.parse and the
 * decide parsers) accepts, with the same record: random objects with the three fields (good and
 * bad values), extra fields of any JSON, random white space, duplicate keys, escapes, non-ASCII.
 */
import fc from '../property/fc.js';
import t from 'tap';
import { fast, slow } from '../../src/monitor/readers/jsonl.js';
import { FlowRecord, PARSED } from '../../src/monitor/record.js';
import { runs } from '../property/settings.js';

const RUNS = runs(300);

const address = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(300)).map((o) => o.join('.')) },
  fc.constantFrom('fd00:10::1', '::ffff:10.20.100.5', '10.20.100.05', '1.2.3', '', 'fe80::1%eth0', '2001:db8::', ' 10.0.0.1'),
);
const service = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom('tcp', 'udp'), fc.integer({ min: 0, max: 70000 })).map(([p, n]) => `${p}/${n}`) },
  fc.constantFrom('icmp', 'icmpv6', 'proto/47', 'proto/6', 'tcp/08', 'tcp/1-2', 'any', 'TCP/443'),
);
const time = fc.oneof(
  fc.constant(undefined),
  fc.integer({ min: 0, max: 2_000_000_000 }),
  fc.integer({ min: 1_000_000_000_000, max: 1_999_999_999_999 }),
  fc.date({ noInvalidDate: true, min: new Date('1970-01-02'), max: new Date('9999-01-01') }).map((d) => d.toISOString()),
  fc.constantFrom('2026-11-30T10:00:00+09:00', '2026-02-30T00:00:00Z', 'x'),
);
const ws = fc.constantFrom('', ' ', '\t', '  ');

const line = fc
  .record({
    src: address,
    dst: address,
    service,
    time,
    extra: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 3 }),
    drop: fc.constantFrom('', '', '', '', '', 'src', 'dst', 'service'),
    dup: fc.constantFrom(false, false, false, true),
    sp: ws,
    escape: fc.constantFrom(false, false, false, true),
    nonAscii: fc.constantFrom(false, false, false, true),
  })
  .map((r) => {
    const parts: string[] = [];
    const o: Record<string, unknown> = { ...r.extra };
    if (r.drop !== 'src') o.src = r.src;
    if (r.drop !== 'dst') o.dst = r.dst;
    if (r.drop !== 'service') o.service = r.service;
    if (r.time !== undefined) o.time = r.time;
    if (r.nonAscii) o.city = '横浜市';
    for (const [k, v] of Object.entries(o)) parts.push(`${JSON.stringify(k)}${r.sp}:${r.sp}${JSON.stringify(v)}`);
    if (r.dup) parts.push(`"src":"10.10.1.1"`);
    let s = `{${r.sp}${parts.join(`${r.sp},`)}${r.sp}}`;
    if (r.escape) s = s.replace('"tcp', '"\\u0074cp');
    return s;
  });

function record(rec: FlowRecord): string {
  return JSON.stringify([[...rec.src], [...rec.dst], rec.proto, rec.port, rec.time, rec.v4]);
}

t.test('fast path: a subset of the slow path, same records', async (t) => {
  let fastHits = 0;
  fc.assert(
    fc.property(fc.oneof({ weight: 9, arbitrary: line }, fc.string({ maxLength: 40 })), (text) => {
      const buf = Buffer.from(text);
      const a = new FlowRecord();
      const b = new FlowRecord();
      const rs = slow(buf, 0, buf.length, b);
      if (fast(buf, 0, buf.length, a) === PARSED) {
        fastHits++;
        if (rs !== PARSED) throw new Error(`fast accepted what slow refuses (${b.reason}): ${text}`);
        if (record(a) !== record(b)) throw new Error(`different records for ${text}: ${record(a)} vs ${record(b)}`);
      }
    }),
    { numRuns: RUNS },
  );
  t.ok(fastHits > RUNS / 20, `the fast path took ${fastHits} of ${RUNS} lines`);
});
