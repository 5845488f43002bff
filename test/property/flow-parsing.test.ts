/**
 * The lookup's allocation-free flow parser (src/lookup/flow.ts) against the reference's plain one
 * (test/reference/evaluator.ts), on text built from the pieces addresses and services are made of,
 * mostly well-formed and often not: both must accept the same texts, and read the same numbers.
 */
import fc from './fc.js';
import { SEED } from './settings.js';
import t from 'tap';
import { FlowResult, parseAddress, parseFlowService } from '../../src/lookup/flow.js';
import { addressText as address } from '../reference/address-text.js';
import { parseFlowAddress, parseFlowService as refService } from '../reference/evaluator.js';

const RUNS = Number(process.env.SANSO_PROP_RUNS ?? 200) * 25;

/** Reference answer as the 128-bit number the lookup reads (IPv4 as ::ffff:a.b.c.d). */
function refWords(text: string): bigint | null {
  const a = parseFlowAddress(text);
  if (!a) return null;
  return a.family === 4 ? (0xffffn << 32n) | a.value : a.value;
}

function lookupWords(text: string, words: Uint32Array): bigint | null {
  if (parseAddress(text, words) !== null) return null;
  return [...words].reduce((acc, w) => (acc << 32n) | BigInt(w), 0n);
}

t.test('addresses: the same texts accepted, the same numbers read', async (t) => {
  const words = new Uint32Array(4);
  const seen = { accepted: 0, refused: 0 };
  const details = fc.check(
    fc.property(address, (text) => {
      const want = refWords(text);
      const got = lookupWords(text, words);
      if (want !== got)
        throw new Error(`${JSON.stringify(text)}: reference ${want === null ? 'refuses' : want.toString(16)}, lookup ${got === null ? 'refuses' : got.toString(16)}`);
      seen[want === null ? 'refused' : 'accepted']++;
    }),
    { numRuns: RUNS, seed: SEED },
  );
  if (details.failed) t.fail(`seed ${SEED}: ${String((details.errorInstance as Error).message)} (shrunk: ${JSON.stringify(details.counterexample)})`);
  else t.pass(`${details.numRuns} texts (${seen.accepted} accepted, ${seen.refused} refused), seed ${SEED}`);
  t.ok(seen.accepted > RUNS / 10 && seen.refused > RUNS / 10, 'both outcomes are well represented');
});

const service = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.constantFrom('tcp', 'udp', 'icmp', 'icmpv6', 'proto', 'TCP', 'sctp', ''),
        fc.option(
          fc.oneof(
            fc.integer({ min: 0, max: 70000 }).map(String),
            fc.constantFrom('0', '1', '65535', '65536', '080', '443-443', '1-2', '', ' 1', '6', '17', '58', '255', '256', '47', 'x'),
          ),
          { freq: 5 },
        ),
      )
      .map(([p, port]) => (port === null ? p : `${p}/${port}`)),
  },
  { weight: 1, arbitrary: fc.constantFrom('any', 'tcp/443 ', '/443', 'tcp//443', 'proto/6/1', 'icmp/0') },
);

t.test('services: the same texts accepted, the same protocol and port read', async (t) => {
  const out = new FlowResult();
  const seen = { accepted: 0, refused: 0 };
  const details = fc.check(
    fc.property(service, (text) => {
      const want = refService(text);
      const got = parseFlowService(text, out) === null ? out.proto * 65536 + out.port : null;
      if (want !== got) throw new Error(`${JSON.stringify(text)}: reference ${want}, lookup ${got}`);
      seen[want === null ? 'refused' : 'accepted']++;
    }),
    { numRuns: RUNS, seed: SEED },
  );
  if (details.failed) t.fail(`seed ${SEED}: ${String((details.errorInstance as Error).message)}`);
  else t.pass(`${details.numRuns} texts (${seen.accepted} accepted, ${seen.refused} refused), seed ${SEED}`);
  t.ok(seen.accepted > RUNS / 10 && seen.refused > RUNS / 10, 'both outcomes are well represented');
});
