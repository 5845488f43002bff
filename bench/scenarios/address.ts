/**
 * Address lookup alone, IPv4, on the same CIDRs and the same addresses:
 * - sanso segment4: integer in, segment out (the /16 → /24 directory, then a short search);
 * - sanso parseAddress + segment6: text in, segment out (what a request pays);
 * - ipaddr.js: text parsed with ipaddr.parse, then a longest-prefix match the way its API
 *   allows — CIDRs parsed once and sorted longest prefix first, the first `match` wins;
 * - cidr-matcher: text in, `contains` over every CIDR — a yes/no answer (is the address in the
 *   set?), an easier question than which segment: it has no notion of longest prefix.
 * Every contender's segment is compared with segment4's on the measured addresses.
 */
import { performance } from 'node:perf_hooks';
import CidrMatcher from 'cidr-matcher';
import ipaddr from 'ipaddr.js';
import { parseAddress } from '../../src/lookup/flow.js';
import type { DecisionTable } from '../../src/lookup/table.js';
import { v4Flows } from '../lib/flows.js';
import { GcCounter } from '../lib/gc.js';
import { fmt, median, round } from '../lib/stats.js';
import { row, SET_NAMES, type Context, type Row, type Scenario } from '../lib/scenario.js';
import { formatV4 } from '../synthetic.js';
import { measure } from './lookup.js';

function loopSegment4(t: DecisionTable, a: Uint32Array): number {
  let acc = 0;
  for (let i = 0; i < a.length; i++) acc = (acc + t.segment4(a[i]! | 0)) | 0;
  return acc;
}

function loopText(t: DecisionTable, texts: readonly string[], words: Uint32Array): number {
  let acc = 0;
  for (let i = 0; i < texts.length; i++) {
    if (parseAddress(texts[i]!, words) === null) acc = (acc + t.segment6(words, 0)) | 0;
  }
  return acc;
}

/** Wall-clock rate of fn over n items, repeated until at least minMs have passed. */
function rateOf(n: number, minMs: number, fn: () => void): number {
  let reps = 0;
  const t0 = performance.now();
  do {
    fn();
    reps++;
  } while (performance.now() - t0 < minMs);
  return ((reps * n) / (performance.now() - t0)) * 1000;
}

async function compare(ctx: Context, name: string, rows: Row[], gc: GcCounter): Promise<void> {
  const set = await ctx.set(name as 'sample' | 'prefecture');
  const { table, model } = set.policy;
  const runs = ctx.runs(5, 3);
  const base = { scenario: 'address', set: name };
  const n = ctx.quick ? 1_000_000 : 10_000_000;
  const addrs = v4Flows(model, n, 8).src;
  const m = await measure(ctx, gc, `${name} segment4`, n, runs, () => loopSegment4(table, addrs));
  rows.push(row({ ...base, subject: 'sanso segment4 (integer)', metric: 'rate', value: Math.round(m.rate), unit: 'lookups/s', runs, note: `CPU time; wall ${fmt(m.wallRate)}/s` }));

  const nText = ctx.quick ? 200_000 : 1_000_000;
  const texts = Array.from(addrs.subarray(0, nText), (a) => formatV4(a));
  const words = new Uint32Array(4);
  const mt = await measure(ctx, gc, `${name} parse+segment6`, nText, runs, () => loopText(table, texts, words));
  rows.push(
    row({
      ...base,
      subject: 'sanso parseAddress + segment6 (text)',
      metric: 'rate',
      value: Math.round(mt.rate),
      unit: 'lookups/s',
      runs,
      ratio: { to: 'segment4', value: round(mt.rate / m.rate) },
      note: `CPU time; wall ${fmt(mt.wallRate)}/s`,
    }),
  );

  // The same CIDRs for the libraries, IPv4 only (the addresses are IPv4).
  const cidrs: { text: string; segment: number; prefix: number }[] = [];
  for (const s of model.segments) for (const c of s.cidrs) if (c.family === 4) cidrs.push({ text: c.text, segment: s.index, prefix: c.prefix });
  const sorted = [...cidrs].sort((a, b) => b.prefix - a.prefix);
  const ranges = sorted.map((c) => ipaddr.IPv4.parseCIDR(c.text));
  const lpm = (text: string): number => {
    const a = ipaddr.IPv4.parse(text);
    for (let k = 0; k < ranges.length; k++) if (a.match(ranges[k]!)) return sorted[k]!.segment;
    return model.outside;
  };
  const matcher = new CidrMatcher(cidrs.map((c) => c.text));
  // Far fewer addresses: both scan every CIDR for each address.
  const few = texts.slice(0, Math.max(200, Math.round(20_000_000 / Math.max(1, cidrs.length) / (ctx.quick ? 10 : 1))));
  const minMs = ctx.quick ? 300 : 2000;

  let agree = 0;
  for (const t of few) {
    parseAddress(t, words);
    if (lpm(t) === table.segment6(words, 0)) agree++;
  }
  const ipRates: number[] = [];
  const cmRates: number[] = [];
  let hits = 0;
  for (let r = 0; r < runs; r++) {
    ipRates.push(
      rateOf(few.length, minMs, () => {
        for (const t of few) lpm(t);
      }),
    );
    cmRates.push(
      rateOf(few.length, minMs, () => {
        hits = 0;
        for (const t of few) if (matcher.contains(t)) hits++;
      }),
    );
    ctx.log(`  ${name} ipaddr.js ${fmt(ipRates[r]!)}/s, cidr-matcher ${fmt(cmRates[r]!)}/s`);
  }
  let inside = 0;
  for (const t of few) {
    parseAddress(t, words);
    if (table.segment6(words, 0) !== model.outside) inside++;
  }
  const wall = median([m.wallRate]);
  rows.push(
    row({
      ...base,
      subject: 'ipaddr.js (parse + longest-prefix scan)',
      metric: 'rate',
      value: Math.round(median(ipRates)),
      unit: 'lookups/s',
      runs,
      ratio: { to: 'segment4 wall', value: median(ipRates) / wall },
      note: `${cidrs.length.toLocaleString('en-US')} CIDRs, ${few.length.toLocaleString('en-US')} addresses, wall clock; segment agrees with sanso on ${agree}/${few.length}`,
    }),
  );
  rows.push(
    row({
      ...base,
      subject: 'cidr-matcher (contains: in the set or not)',
      metric: 'rate',
      value: Math.round(median(cmRates)),
      unit: 'lookups/s',
      runs,
      ratio: { to: 'segment4 wall', value: median(cmRates) / wall },
      note: `yes/no only, no segment; ${hits}/${few.length} inside (sanso: ${inside}), wall clock`,
    }),
  );
}

export const scenario: Scenario = {
  name: 'address',
  title: 'Address → segment alone (IPv4): sanso vs ipaddr.js vs cidr-matcher',
  async run(ctx) {
    const rows: Row[] = [];
    const gc = new GcCounter();
    try {
      for (const name of SET_NAMES) await compare(ctx, name, rows, gc);
    } finally {
      gc.close();
    }
    return rows;
  },
};
