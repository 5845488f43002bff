/**
 * The byte parsers of the NDJSON batch (parseAddressBytes, parseFlowServiceBytes, FlowBatch)
 * against their string twins: on ASCII text both accept exactly the same values and read the same
 * numbers; any byte outside ASCII is refused (the string parser then answers); a value is read
 * within its bounds in a larger buffer, never past them.
 */
import fc from 'fast-check';
import t from 'tap';
import { FlowBatch, FlowResult, parseAddress, parseAddressBytes, parseFlowService, parseFlowServiceBytes, resolveFlow } from '../../src/lookup/flow.js';
import { loadPolicy } from '../../src/policy.js';
import { addressText as address } from '../reference/address-text.js';

const service = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom('tcp', 'udp', 'proto', 'icmp', 'icmpv6', 'TCP', 'tcpx', 'prot', 'any', ''), fc.constantFrom('', '/'), fc.oneof(fc.nat({ max: 70000 }).map(String), fc.constantFrom('', '0', '00', '047', '0443', '80-90', '1/2', '6', '17', '255', '256', 'x', '４４３'))).map(([p, s, n]) => p + s + n) },
  { weight: 1, arbitrary: fc.constantFrom('icmp', 'icmpv6', 'icmp/3', 'icmpv6/1', 'icmpv', 'icmpv60', 'tcp', 'udp', 'tcp/', 'proto/', 'proto/47/1', 'any', 'https') },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
);

/** `text` as UTF-8 inside other bytes: what lies around it must not be read. */
function embedded(text: string, before: number, after: number): { buf: Buffer; from: number; to: number } {
  const bytes = Buffer.from(text, 'utf8');
  const buf = Buffer.concat([Buffer.from('9'.repeat(before)), bytes, Buffer.from(':1"'.repeat(after))]);
  return { buf, from: before, to: before + bytes.length };
}

const ascii = (s: string): boolean => /^[\x00-\x7f]*$/.test(s);

t.test('parseAddressBytes accepts what parseAddress accepts, with the same words', async (t) => {
  let accepted = 0;
  fc.assert(
    fc.property(address, fc.nat({ max: 3 }), fc.nat({ max: 3 }), fc.nat({ max: 2 }), (text, before, after, slot) => {
      const words = new Uint32Array(4);
      const ok = parseAddress(text, words) === null;
      const { buf, from, to } = embedded(text, before, after);
      const got = new Uint32Array(12).fill(0xdeadbeef);
      const bytesOk = parseAddressBytes(buf, from, to, got, slot * 4);
      if (bytesOk) accepted++;
      if (!ascii(text)) return !bytesOk;
      if (bytesOk !== ok) return false;
      if (!ok) return true;
      // The slot holds the address; the other words are untouched.
      for (let i = 0; i < 12; i++) {
        const want = i >= slot * 4 && i < slot * 4 + 4 ? words[i - slot * 4] : 0xdeadbeef;
        if (got[i] !== want) return false;
      }
      return true;
    }),
    { numRuns: 20000, seed: 20261125 },
  );
  t.ok(accepted > 5000, `the generator reaches valid addresses (${accepted})`);
});

t.test('parseFlowServiceBytes accepts what parseFlowService accepts, with the same numbers', async (t) => {
  let accepted = 0;
  fc.assert(
    fc.property(service, fc.nat({ max: 3 }), fc.nat({ max: 3 }), (text, before, after) => {
      const want = new FlowResult();
      const ok = parseFlowService(text, want) === null;
      const { buf, from, to } = embedded(text, before, after);
      const got = new FlowResult();
      const bytesOk = parseFlowServiceBytes(buf, from, to, got);
      if (bytesOk) accepted++;
      if (!ascii(text)) return !bytesOk;
      return bytesOk === ok && (!ok || (got.proto === want.proto && got.port === want.port));
    }),
    { numRuns: 20000, seed: 20261126 },
  );
  t.ok(accepted > 1000, `the generator reaches valid services (${accepted})`);
});

t.test('every spelling of the common services is read', async (t) => {
  const out = new FlowResult();
  for (const [text, proto, port] of [['tcp/443', 6, 443], ['udp/53', 17, 53], ['tcp/1', 6, 1], ['udp/65535', 17, 65535], ['icmp', 1, 0], ['icmpv6', 58, 0], ['proto/47', 47, 0], ['proto/0', 0, 0], ['proto/255', 255, 0]] as const) {
    const b = Buffer.from(text);
    t.ok(parseFlowServiceBytes(b, 0, b.length, out), text);
    t.same([out.proto, out.port], [proto, port], text);
  }
});

t.test('FlowBatch decides every flow as resolveFlow does', async (t) => {
  const { table } = loadPolicy(['rules/'], { asOf: '2026-06-01' }).policy!;
  // Addresses inside and around the sample city's segments, in both families and both IPv4 spellings.
  const cidrs = table.model.segments.flatMap((s) => s.cidrs.map((c) => c.text));
  const near = fc.tuple(fc.constantFrom(...cidrs), fc.nat()).map(([cidr, r]) => {
    const [net] = cidr.split('/') as [string];
    if (net.includes(':')) return net.endsWith('::') ? `${net}${(r % 0xffff).toString(16)}` : net;
    const o = net.split('.').map(Number);
    o[3] = (o[3]! + (r % 256)) & 255;
    o[2] = (o[2]! + ((r >> 8) % 3)) & 255;
    return (r >> 12) % 4 === 0 ? `::ffff:${o.join('.')}` : o.join('.');
  });
  const flow = fc.record({ src: fc.oneof(near, near, address), dst: fc.oneof(near, near, address), service: fc.oneof(service, fc.constantFrom('tcp/443', 'tcp/445', 'udp/53', 'tcp/22')) });
  const batch = new FlowBatch(16);
  const out = new FlowResult();
  let decided = 0;
  fc.assert(
    fc.property(fc.array(flow, { minLength: 1, maxLength: 16 }), (flows) => {
      const text = flows.map((f) => `${f.src}\n${f.dst}\n${f.service}\n`).join('');
      const buf = Buffer.from(text, 'utf8');
      batch.count = 0;
      const taken: number[] = [];
      let at = 0;
      flows.forEach((f, i) => {
        const a = buf.indexOf(10, at);
        const b = buf.indexOf(10, a + 1);
        const c = buf.indexOf(10, b + 1);
        if (batch.add(buf, at, a, a + 1, b, b + 1, c)) taken.push(i);
        at = c + 1;
      });
      batch.decide(table);
      if (batch.count !== taken.length) return false;
      for (let i = 0, k = 0; i < flows.length; i++) {
        const f = flows[i]!;
        const ok = resolveFlow(table, f.src, f.dst, f.service, out);
        if (taken[k] !== i) {
          // Not taken: only where resolveFlow has an error to give, or the text is not ASCII.
          if (ok && ascii(f.src + f.dst + f.service)) return false;
          continue;
        }
        if (!ok || batch.srcSeg[k] !== out.srcSeg || batch.dstSeg[k] !== out.dstSeg || batch.decision[k] !== out.decision) return false;
        const [sf, st, df, dt] = batch.text.subarray(k * 4, k * 4 + 4);
        if (buf.toString('latin1', sf, st) !== f.src || buf.toString('latin1', df, dt) !== f.dst) return false;
        decided++;
        k++;
      }
      return true;
    }),
    { numRuns: 1500, seed: 20261127 },
  );
  t.ok(decided > 2000, `flows decided in batches (${decided})`);
});
