/**
 * Issue 14, item 7: a reload does not hold the event loop. Unchanged bytes compile nothing; a
 * changed rule set compiles on a worker thread and crosses back whole (the table's fields by
 * structured clone): decisions through it equal those of the same rule set compiled here.
 */
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import fc from '../property/fc.js';
import { FlowResult, resolveFlow } from '../../src/lookup/flow.js';
import { generatePrefecture } from '../../bench/synthetic.js';
import { ruleDir, server } from './helpers.js';
import { listen, NOT_BLOCKED_MS, probe } from './attack.js';
import { runs } from '../property/settings.js';

const SIZE = { segments: 300, cidrs: 3000, flows: 800, serviceRanges: 80 };

t.test('reloads: unchanged compiles nothing; changed compiles off the loop and decides the same', async (t) => {
  const pref = generatePrefecture(7, SIZE);
  const dir = ruleDir(t, {});
  const files = pref.writeTo(dir);
  const app = await server(t, { rulesPath: dir, asOf: pref.asOf, compileOffLoop: true });
  const base = await listen(app);
  const first = app.sanso.lifecycle.current!;

  const t0 = performance.now();
  const same = await app.sanso.lifecycle.reload('api');
  const sameMs = performance.now() - t0;
  t.equal(same.result, 'unchanged');
  t.equal(app.sanso.lifecycle.current, first, 'the very same policy object keeps serving');
  t.ok(sameMs < first.table.stats.compileMs + 1000, `unchanged reload took ${Math.round(sameMs)} ms (compile: ${Math.round(first.table.stats.compileMs)} ms)`);

  // A change: one more comment line is new bytes, a new version.
  writeFileSync(files[0]!, `# changed\n${readFileSync(files[0]!, 'utf8')}`);
  const p = probe(base, 20);
  const changed = await app.sanso.lifecycle.reload('api');
  const worst = await p.stop();
  t.equal(changed.result, 'ok');
  t.not(changed.version, first.version);
  t.ok(worst < NOT_BLOCKED_MS, `/healthz answered within ${Math.round(worst)} ms during the reload`);

  // The same rule set compiled here, on the loop (no compileOffLoop): its decisions and answers.
  const local = await server(t, { rulesPath: dir, asOf: pref.asOf });
  const here = local.sanso.lifecycle.current!;
  const there = app.sanso.lifecycle.current!;
  t.equal(there.version, here.version);
  t.equal(there.table.constructor.name, 'DecisionTable');
  const segs = pref.rules.segments!.flatMap((s) => s.cidrs);
  const a = new FlowResult();
  const b = new FlowResult();
  fc.assert(
    fc.property(fc.nat(segs.length - 1), fc.nat(segs.length - 1), fc.nat(pref.serviceRanges.length - 1), fc.nat(255), (i, j, k, host) => {
      const addr = (c: string) => (c.includes(':') ? c.split('/')[0]! : c.split('/')[0]!.replace(/\d+$/, (x) => String((Number(x) + host) % 256)));
      const svc = pref.serviceRanges[k]!.replace(/-\d+$/, '');
      const src = addr(segs[i]!);
      const dst = addr(segs[j]!);
      const okA = resolveFlow(here.table, src, dst, svc, a);
      const okB = resolveFlow(there.table, src, dst, svc, b);
      return okA === okB && (!okA || (a.decision === b.decision && a.srcSeg === b.srcSeg && a.dstSeg === b.dstSeg));
    }),
    { numRuns: runs(500) },
  );
  // The answer as rendered from the crossed table's fragments is byte for byte the same.
  const flow = { src: '10.0.0.1', dst: '10.0.0.2', service: 'tcp/443' };
  const r = await fetch(`${base}/v1/decide`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(flow) });
  const ref = await local.inject({ method: 'POST', url: '/v1/decide', payload: flow });
  t.equal(await r.text(), ref.body);
});
