/**
 * canBridge against the rule as docs/decisions.md states it, restated here flow by flow: a sanitizer
 * bridges the flows of its direction (inbound: peer → its tier; outbound: its tier → peer), and
 * it is only valid when every flow it claims to bridge is one whose ceiling a bridge can lift.
 */
import t from 'tap';
import { canBridge, DIRECTIONS, METHODS } from '../../src/model/bridging.js';
import { SITE_TIERS, type Direction, type GuidelineModel, type SanitizerMethod, type SiteTier } from '../../src/model/types.js';

const MODELS: GuidelineModel[] = ['alpha', 'alpha-prime', 'beta', 'beta-prime'];

/**
 * Whether a bridge of `method`, on a segment of tier `at`, lifts the ceiling of a flow from → to
 * under `model` (docs/models.md): β and β′ add screen transfer from the internet tier into a
 * server in the LGWAN tier; My Number isolation is the same under every model.
 */
function liftable(from: SiteTier, to: SiteTier, method: SanitizerMethod, at: SiteTier = from, model: GuidelineModel = 'alpha'): boolean {
  if (from === to) return false; // no ceiling between equals for a bridge to lift
  if (from === 'mynumber' || to === 'mynumber') return from === 'lgwan' && to === 'mynumber' && method === 'file-sanitize';
  if (method === 'screen-transfer') {
    if (from === 'lgwan' && to === 'internet') return true;
    return (model === 'beta' || model === 'beta-prime') && at === 'lgwan';
  }
  return true;
}

function flowsOf(tier: SiteTier, peer: SiteTier, direction: Direction): [SiteTier, SiteTier][] {
  const inbound: [SiteTier, SiteTier] = [peer, tier];
  const outbound: [SiteTier, SiteTier] = [tier, peer];
  return direction === 'inbound' ? [inbound] : direction === 'outbound' ? [outbound] : [inbound, outbound];
}

t.test('every combination agrees with the flow-by-flow rule', async (t) => {
  let valid = 0;
  for (const tier of SITE_TIERS)
    for (const peer of SITE_TIERS)
      for (const method of METHODS)
        for (const direction of DIRECTIONS) {
          const want = flowsOf(tier, peer, direction).every(([f, to]) => liftable(f, to, method));
          const got = canBridge(tier, peer, method, direction);
          t.equal(got.ok, want, `${tier} peer ${peer} ${method} ${direction}`);
          if (got.ok) valid++;
        }
  // lgwan↔internet: mail-text and file-sanitize any direction from either side (2 × 2 × 3),
  // screen-transfer one way from either side (2); lgwan→mynumber file-sanitize from either side (2).
  t.equal(valid, 12 + 2 + 2);
});

t.test('under every guideline model, every combination agrees with the flow-by-flow rule', async (t) => {
  for (const model of MODELS) {
    let valid = 0;
    for (const tier of SITE_TIERS)
      for (const peer of SITE_TIERS)
        for (const method of METHODS)
          for (const direction of DIRECTIONS) {
            const want = flowsOf(tier, peer, direction).every(([f, to]) => liftable(f, to, method, tier, model));
            const got = canBridge(tier, peer, method, direction, model);
            t.equal(got.ok, want, `${model}: ${tier} peer ${peer} ${method} ${direction}`);
            if (got.ok) valid++;
          }
    // β adds the LGWAN-tier screen-transfer server as inbound and as both.
    t.equal(valid, model.startsWith('beta') ? 18 : 16, `${model}: ${valid} valid`);
  }
});

t.test('the β bridge under α names the models that allow it', async (t) => {
  for (const model of ['alpha', 'alpha-prime'] as const) {
    for (const direction of ['inbound', 'both'] as const) {
      const v = canBridge('lgwan', 'internet', 'screen-transfer', direction, model);
      t.match(v, { ok: false, field: 'direction', reason: /under model alpha.*beta \(β\) and beta-prime \(β′\)/ }, `${model} ${direction}`);
    }
  }
  t.same(canBridge('lgwan', 'internet', 'screen-transfer', 'inbound', 'beta'), { ok: true });
  t.same(canBridge('lgwan', 'internet', 'screen-transfer', 'both', 'beta-prime'), { ok: true });
  // Not a bridge under any model: the internet-tier server connecting into LGWAN, and My Number.
  for (const model of MODELS) {
    t.match(canBridge('internet', 'lgwan', 'screen-transfer', 'outbound', model), { ok: false, field: 'direction' }, model);
    t.match(canBridge('mynumber', 'internet', 'screen-transfer', 'inbound', model), { ok: false, field: 'peer' }, model);
    t.match(canBridge('lgwan', 'mynumber', 'screen-transfer', 'outbound', model), { ok: false, field: 'method' }, model);
  }
});

t.test('the field at fault', async (t) => {
  t.match(canBridge('lgwan', 'lgwan', 'mail-text', 'both'), { ok: false, field: 'peer', reason: /own tier/ });
  t.match(canBridge('internet', 'mynumber', 'file-sanitize', 'outbound'), { ok: false, field: 'peer' });
  t.match(canBridge('mynumber', 'internet', 'file-sanitize', 'inbound'), { ok: false, field: 'peer' });
  t.match(canBridge('lgwan', 'mynumber', 'mail-text', 'outbound'), { ok: false, field: 'method', reason: /only file-sanitize/ });
  t.match(canBridge('mynumber', 'lgwan', 'screen-transfer', 'inbound'), { ok: false, field: 'method' });
  t.match(canBridge('lgwan', 'mynumber', 'file-sanitize', 'inbound'), { ok: false, field: 'direction', reason: /use direction outbound/ });
  t.match(canBridge('mynumber', 'lgwan', 'file-sanitize', 'both'), {
    ok: false,
    field: 'direction',
    reason: /outbound half of direction both \(mynumber → lgwan\).*use direction inbound/,
  });
  t.match(canBridge('internet', 'lgwan', 'screen-transfer', 'outbound'), { ok: false, field: 'direction', reason: /initiated from the LGWAN side.*use direction inbound/ });
  t.match(canBridge('lgwan', 'internet', 'screen-transfer', 'both'), {
    ok: false,
    field: 'direction',
    reason: /inbound half of direction both \(internet → lgwan\).*use direction outbound/,
  });
});

t.test('the valid ones', async (t) => {
  t.same(canBridge('internet', 'lgwan', 'screen-transfer', 'inbound'), { ok: true });
  t.same(canBridge('lgwan', 'internet', 'screen-transfer', 'outbound'), { ok: true });
  t.same(canBridge('lgwan', 'mynumber', 'file-sanitize', 'outbound'), { ok: true });
  t.same(canBridge('mynumber', 'lgwan', 'file-sanitize', 'inbound'), { ok: true });
  for (const m of ['mail-text', 'file-sanitize'] as const)
    for (const d of DIRECTIONS) {
      t.same(canBridge('internet', 'lgwan', m, d), { ok: true });
      t.same(canBridge('lgwan', 'internet', m, d), { ok: true });
    }
});
