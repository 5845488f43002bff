/**
 * The example cities of docs/models.md, one per guideline model, and the contract each model
 * promises, decided through the real load (validate → compile) and lookup:
 * - every example validates clean with --strict, and says the model it is an example of;
 * - β/β′: an internet-tier terminal → the LGWAN-tier screen-transfer server is ALLOW, path
 *   sanitized; the same rule set with model alpha (or alpha-prime) is refused, naming β and β′;
 * - α′: LGWAN → a breakout service is ALLOW with path breakout and no sanitizer; the reverse
 *   is SPLIT-PATH; My Number → it is MN-ISOLATION; a service not in breakout is SPLIT-PATH; and
 *   the same rule set under any other model is refused with BREAKOUT-MODEL.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { FlowResult, resolveFlow } from '../../src/lookup/flow.js';
import { decisionObject, type DecisionObject } from '../../src/lookup/render.js';
import { loadPolicy, type LoadedPolicy } from '../../src/policy.js';
import { validateRuleSet } from '../../src/validate/index.js';
import { sanso } from '../cli/run.js';

const AS_OF = '2026-11-30';
const EXAMPLES = { 'alpha-prime': 'examples/alpha-prime', beta: 'examples/beta', 'beta-prime': 'examples/beta-prime' } as const;

function load(dir: string): LoadedPolicy {
  const { policy, problems } = loadPolicy([dir], { asOf: AS_OF });
  if (!policy) throw new Error(`${dir} does not load:\n${problems.map((p) => `${p.loc.file}:${p.loc.line} ${p.code} ${p.message}`).join('\n')}`);
  return policy;
}

const out = new FlowResult();
function decide(p: LoadedPolicy, src: string, dst: string, service: string, lang: 'en' | 'ja' = 'en'): DecisionObject {
  if (!resolveFlow(p.table, src, dst, service, out)) throw new Error(`flow refused: ${out.field}: ${out.reason}`);
  return decisionObject(p.table, out.decision, out.srcSeg, out.dstSeg, src, dst, lang);
}

/** A copy of an example directory with policy.model replaced; removed after `f`. */
function withModel<T>(dir: string, model: string, f: (copy: string) => T): T {
  const tmp = mkdtempSync(join(tmpdir(), 'sanso-models-'));
  try {
    cpSync(dir, tmp, { recursive: true });
    const file = join(tmp, '00-policy.yaml');
    const text = readFileSync(file, 'utf8');
    if (!/^\s*model:\s*\S+/m.test(text)) throw new Error('no model line');
    const changed = text.replace(/^(\s*model:\s*)\S+/m, `$1${model}`);
    writeFileSync(file, changed);
    return f(tmp);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

t.test('each example validates clean with --strict and is an example of its model', async (t) => {
  for (const [model, dir] of Object.entries(EXAMPLES)) {
    const r = await sanso(['validate', '--strict', dir]);
    t.equal(r.code, 0, `${dir}: exit 0`);
    t.equal(r.out, '', `${dir}: no problems`);
    t.equal(load(dir).model.policy.model, model, `${dir} is model ${model}`);
  }
  // The bundled sample city is the α example.
  t.equal((await sanso(['validate', '--strict', 'rules'])).code, 0, 'rules/ (α) validates clean');
  t.equal(load('rules').model.policy.model, 'alpha');
});

t.test('β and β′: screen transfer into the LGWAN tier', async (t) => {
  for (const dir of [EXAMPLES.beta, EXAMPLES['beta-prime']]) {
    const p = load(dir);
    t.match(
      decide(p, '172.16.100.5', '10.20.9.10', 'tcp/3389'),
      {
        decision: 'allow',
        code: 'GRANTED',
        rule: 'F-110',
        path: 'sanitized',
        src: { segment: 'inet-terminals', tier: 'internet' },
        dst: { segment: 'lg-vdi', tier: 'lgwan' },
        sanitizer: { segment: 'lg-vdi', method: 'screen-transfer' },
        clause: '基本方針 5(3)イ 通信経路の分割',
      },
      `${dir}: terminal → lg-vdi is sanitized screen transfer`,
    );
    // Only the listed service, only inward, never from My Number.
    t.match(decide(p, '172.16.100.5', '10.20.9.10', 'tcp/443'), { decision: 'deny', code: 'SPLIT-PATH' }, `${dir}: another service`);
    t.match(decide(p, '10.20.9.10', '172.16.100.5', 'tcp/3389'), { decision: 'deny', code: 'SPLIT-PATH' }, `${dir}: outward`);
    t.match(decide(p, '10.10.100.5', '10.20.9.10', 'tcp/3389'), { decision: 'deny', code: 'MN-ISOLATION' }, `${dir}: from My Number`);
    for (const model of ['alpha', 'alpha-prime']) {
      withModel(dir, model, (copy) => {
        const v = validateRuleSet([copy], { asOf: AS_OF });
        t.equal(v.model, null, `${dir} under ${model} is refused`);
        const bridge = v.problems.filter((x) => x.code === 'SANITIZER-CANNOT-BRIDGE');
        t.equal(bridge.length, 1, `${dir} under ${model}: one SANITIZER-CANNOT-BRIDGE`);
        t.match(bridge[0]?.message, /lg-vdi.*under model .*beta \(β\) and beta-prime \(β′\)/, 'it names the models that allow it');
        t.match(bridge[0]?.loc, { file: join(copy, '21-segments-lgwan.yaml') }, 'at the sanitizer');
        t.ok(
          v.problems.some((x) => x.code === 'MODEL-MISMATCH'),
          'and the terminals contradict the model',
        );
      });
    }
  }
});

t.test('α′: local breakout', async (t) => {
  const p = load(EXAMPLES['alpha-prime']);
  const cloud = '203.0.113.10';
  for (const service of ['tcp/443', 'udp/3478', 'udp/3481']) {
    t.match(
      decide(p, '10.20.100.5', cloud, service),
      {
        decision: 'allow',
        code: 'GRANTED',
        rule: 'F-130',
        path: 'breakout',
        sanitizer: null,
        dst: { segment: 'cloud-collab', tier: 'internet' },
        clause: '基本方針 5(3)イ 通信経路の分割',
        message: /local breakout \(α′ model\)/,
      },
      `LGWAN → breakout ${service}`,
    );
  }
  t.match(decide(p, '10.20.100.5', cloud, 'tcp/443', 'ja'), { message: /ローカルブレイクアウト（α′モデル）/ });
  t.match(decide(p, '10.20.100.5', cloud, 'udp/3482'), { decision: 'deny', code: 'SPLIT-PATH', path: 'none' }, 'a service not in breakout');
  t.match(decide(p, '10.20.100.5', cloud, 'tcp/80'), { decision: 'deny', code: 'SPLIT-PATH', message: /local breakout/ }, 'a service not in breakout');
  t.match(decide(p, cloud, '10.20.100.5', 'tcp/443'), { decision: 'deny', code: 'SPLIT-PATH' }, 'internet → LGWAN: nothing inbound');
  t.match(decide(p, '10.10.100.5', cloud, 'tcp/443'), { decision: 'deny', code: 'MN-ISOLATION' }, 'My Number → breakout');
  t.match(decide(p, '10.10.1.5', cloud, 'tcp/443'), { decision: 'deny', code: 'MN-ISOLATION' }, 'My Number server → breakout');
  // Not a breakout destination: the security cloud and the Internet stay as under α.
  t.match(decide(p, '10.20.100.5', '198.51.100.130', 'tcp/443'), { decision: 'deny', code: 'SPLIT-PATH' }, 'LGWAN → sec-cloud');
  t.match(decide(p, '10.20.100.5', '8.8.8.8', 'tcp/443'), { decision: 'deny', code: 'CLOUD-AGGREGATION' }, 'LGWAN → the Internet');
  // The ceiling does not hold the breakout flows, so the analysis does not call F-130 forbidden.
  t.same(p.warnings, [], 'no ALLOW-CEILING-* for the breakout grant');
  for (const model of ['alpha', 'beta', 'beta-prime']) {
    withModel(EXAMPLES['alpha-prime'], model, (copy) => {
      const v = validateRuleSet([copy], { asOf: AS_OF });
      t.equal(v.model, null, `under ${model} the breakout is refused`);
      t.match(
        v.problems.filter((x) => x.severity === 'error').map((x) => x.code),
        ['BREAKOUT-MODEL'],
        `under ${model}: BREAKOUT-MODEL`,
      );
    });
  }
});

t.test('a grant of a breakout service lifts nothing without the rule (it still needs F-130)', async (t) => {
  withModel(EXAMPLES['alpha-prime'], 'alpha-prime', (copy) => {
    const flows = join(copy, '40-flows.yaml');
    writeFileSync(flows, readFileSync(flows, 'utf8').replace(/ {2}- id: F-130\n( {4}.*\n)+/, ''));
    const { policy } = loadPolicy([copy], { asOf: AS_OF });
    t.ok(policy, 'loads');
    t.match(decide(policy!, '10.20.100.5', '203.0.113.10', 'tcp/443'), { decision: 'deny', code: 'NO-GRANT', path: 'none' });
  });
});

t.test('sanso check follows the model', async (t) => {
  const check = async (dir: string, rules: unknown[]) => {
    const r = await sanso(['check', '-', '--rules', dir, '--as-of', AS_OF, '--json'], JSON.stringify({ rules }));
    return { code: r.code, result: JSON.parse(r.out) as { verdict: string; rules: { verdict: string; counts: Record<string, number> }[] } };
  };
  // β: the screen-transfer opening is compliant; straight into a business system is not.
  let r = await check(EXAMPLES.beta, [
    { src: ['inet-terminals'], dst: ['lg-vdi'], services: ['tcp/3389'], action: 'allow' },
    { src: ['inet-terminals'], dst: ['lg-zaimu'], services: ['tcp/443'], action: 'allow' },
  ]);
  t.equal(r.code, 3);
  t.match(r.result.rules, [{ verdict: 'compliant' }, { verdict: 'violation', counts: { 'SPLIT-PATH': 1 } }]);
  // α′: the breakout opening is compliant on its services only, and only outward.
  r = await check(EXAMPLES['alpha-prime'], [
    { src: ['lg-terminals'], dst: ['cloud-collab'], services: ['tcp/443', 'udp/3478-3481'], action: 'allow' },
    { src: ['lg-terminals'], dst: ['cloud-collab'], services: ['tcp/80-443'], action: 'allow' },
    { src: ['cloud-collab'], dst: ['lg-terminals'], services: ['tcp/443'], action: 'allow' },
    { src: ['mn-terminals'], dst: ['cloud-collab'], services: ['tcp/443'], action: 'allow' },
  ]);
  t.match(r.result.rules, [
    { verdict: 'compliant' },
    { verdict: 'violation', counts: { 'SPLIT-PATH': 1 } },
    { verdict: 'violation', counts: { 'SPLIT-PATH': 1 } },
    { verdict: 'violation', counts: { 'MN-ISOLATION': 1 } },
  ]);
});
