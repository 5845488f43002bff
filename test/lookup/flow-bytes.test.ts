/**
 * The byte readers of the NDJSON batch (addressValue, serviceValue, and FlowBatch fed by the line
 * reader) against their string twins: on ASCII text both accept exactly the same values and read
 * the same numbers; any byte outside ASCII is refused (the string parser then answers); a value
 * ends at its closing quote and nothing past it is read.
 */
import fc from '../property/fc.js';
import t from 'tap';
import { readFlowLine } from '../../src/http/flow-line.js';
import { addressValue, FlowBatch, FlowResult, parseAddress, parseFlowService, resolveFlow, serviceValue } from '../../src/lookup/flow.js';
import { loadPolicy } from '../../src/policy.js';
import { addressText as address } from '../reference/address-text.js';

const service = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.constantFrom('tcp', 'udp', 'proto', 'icmp', 'icmpv6', 'TCP', 'tcpx', 'prot', 'any', ''),
        fc.constantFrom('', '/'),
        fc.oneof(
          fc.nat({ max: 70000 }).map(String),
          fc.constantFrom('', '0', '00', '047', '0443', '80-90', '1/2', '6', '17', '255', '256', '65535', '65536', '99999', '100000', 'x', '４４３'),
        ),
      )
      .map(([p, s, n]) => p + s + n),
  },
  { weight: 1, arbitrary: fc.constantFrom('icmp', 'icmpv6', 'icmp/3', 'icmpv6/1', 'icmpv', 'icmpv60', 'tcp', 'udp', 'tcp/', 'proto/', 'proto/47/1', 'any', 'https') },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
);

/**
 * A JSON string's content as it lies in a request line: `text`, its closing quote, then more
 * bytes. Returns where the value starts and where its quote is (the first `"` of the text, if it
 * has one: the value readers stop there, as JSON would).
 */
function quoted(text: string, before: number, after: number): { buf: Buffer; from: number; quote: number; value: string } {
  const bytes = Buffer.from(text, 'utf8');
  const buf = Buffer.concat([Buffer.from('9'.repeat(before)), bytes, Buffer.from('"'), Buffer.from(':1"'.repeat(after))]);
  const quote = buf.indexOf(34, before);
  return { buf, from: before, quote, value: buf.toString('utf8', before, quote) };
}

const ascii = (s: string): boolean => /^[\x00-\x7f]*$/.test(s);

t.test('addressValue accepts what parseAddress accepts, with the same words, up to the quote', async (t) => {
  let accepted = 0;
  fc.assert(
    fc.property(address, fc.nat({ max: 3 }), fc.nat({ max: 3 }), fc.nat({ max: 2 }), (text, before, after, slot) => {
      const { buf, from, quote, value } = quoted(text, before, after);
      const words = new Uint32Array(4);
      const ok = parseAddress(value, words) === null;
      const got = new Uint32Array(12).fill(0xdeadbeef);
      const q = addressValue(buf, from, buf.length, got, slot * 4);
      if (q >= 0) accepted++;
      if (!ascii(value)) return q === -1;
      if (q >= 0 !== ok) return false;
      if (!ok) return true;
      if (q !== quote) return false;
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
  // No closing quote before the end: refused, whatever precedes it.
  const words = new Uint32Array(4);
  for (const text of ['10.0.0.1', 'fd00::1', '::ffff:10.0.0.1']) t.equal(addressValue(Buffer.from(text), 0, text.length, words, 0), -1, text);
});

t.test('serviceValue accepts what parseFlowService accepts, with the same numbers, up to the quote', async (t) => {
  let accepted = 0;
  fc.assert(
    fc.property(service, fc.nat({ max: 3 }), fc.nat({ max: 3 }), (text, before, after) => {
      const { buf, from, quote, value } = quoted(text, before, after);
      const want = new FlowResult();
      const ok = parseFlowService(value, want) === null;
      const got = new FlowResult();
      const q = serviceValue(buf, from, buf.length, got);
      if (q >= 0) accepted++;
      if (!ascii(value)) return q === -1;
      return q >= 0 === ok && (!ok || (q === quote && got.proto === want.proto && got.port === want.port));
    }),
    { numRuns: 20000, seed: 20261126 },
  );
  t.ok(accepted > 1000, `the generator reaches valid services (${accepted})`);
  const out = new FlowResult();
  for (const text of ['tcp/443', 'icmp']) t.equal(serviceValue(Buffer.from(text), 0, text.length, out), -1, `${text} without its quote`);
});

t.test('every spelling of the common services is read', async (t) => {
  const out = new FlowResult();
  for (const [text, proto, port] of [
    ['tcp/443', 6, 443],
    ['udp/53', 17, 53],
    ['tcp/1', 6, 1],
    ['udp/65535', 17, 65535],
    ['icmp', 1, 0],
    ['icmpv6', 58, 0],
    ['proto/47', 47, 0],
    ['proto/0', 0, 0],
    ['proto/255', 255, 0],
  ] as const) {
    const b = Buffer.from(`${text}"`);
    t.equal(serviceValue(b, 0, b.length, out), text.length, text);
    t.same([out.proto, out.port], [proto, port], text);
  }
});

t.test('FlowBatch, filled by the line reader, decides every flow as resolveFlow does', async (t) => {
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
  const flow = fc.record({
    src: fc.oneof(near, near, address),
    dst: fc.oneof(near, near, address),
    service: fc.oneof(service, fc.constantFrom('tcp/443', 'tcp/445', 'udp/53', 'tcp/22')),
  });
  const batch = new FlowBatch(16);
  const out = new FlowResult();
  let decided = 0;
  fc.assert(
    fc.property(fc.array(flow, { minLength: 1, maxLength: 16 }), (flows) => {
      // Request lines as a client writes them; the batch takes what the line reader accepts.
      const text = flows.map((f) => `${JSON.stringify(f)}\n`).join('');
      const buf = Buffer.from(text, 'utf8');
      const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
      batch.count = 0;
      const taken: number[] = [];
      let at = 0;
      flows.forEach((_, i) => {
        if (readFlowLine(buf, view, at, buf.length, batch) >= 0) {
          batch.take();
          taken.push(i);
        }
        at = buf.indexOf(10, at) + 1;
      });
      batch.decide(table);
      if (batch.count !== taken.length) return false;
      for (let i = 0, k = 0; i < flows.length; i++) {
        const f = flows[i]!;
        const ok = resolveFlow(table, f.src, f.dst, f.service, out);
        if (taken[k] !== i) {
          // Not taken: only where resolveFlow has an error to give, or a value is not ASCII or
          // needs a JSON escape (the safe parser reads those lines).
          if (ok && ascii(f.src + f.dst + f.service) && !/["\\\x00-\x1f]/.test(f.src + f.dst + f.service)) return false;
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
