/**
 * The reference evaluator against answers worked out by hand from docs/decisions.md, so that the property
 * test compares the table with something known to read the spec right.
 */
import t from 'tap';
import { ReferenceEvaluator, parseFlowAddress, type RawRuleSet } from './evaluator.js';

const rules: RawRuleSet = {
  policy: { name: 'Hand City', defaults: { lgwan: 'allow' } },
  services: { https: ['tcp/443'], smb: ['tcp/445'], web: ['tcp/80', 'tcp/443'] },
  groups: { clients: ['lg-terminals'], everyone: ['clients', 'lg-server'] },
  segments: [
    { name: 'mn-terminals', tier: 'mynumber', role: 'terminal', mfa: true, cidrs: ['10.10.100.0/24'] },
    { name: 'mn-nomfa', tier: 'mynumber', role: 'terminal', cidrs: ['10.10.101.0/24'] },
    { name: 'mn-import', tier: 'mynumber', cidrs: ['10.10.2.0/28'], sanitizer: { method: 'file-sanitize', peer: 'lgwan', direction: 'inbound', services: ['smb'] } },
    { name: 'lg-terminals', tier: 'lgwan', role: 'terminal', cidrs: ['10.20.0.0/16', 'fd00:20::/48'] },
    { name: 'lg-server', tier: 'lgwan', cidrs: ['10.20.5.0/24'] },
    { name: 'inet-vbrowser', tier: 'internet', cidrs: ['172.16.9.10/32'], sanitizer: { method: 'screen-transfer', peer: 'lgwan', direction: 'inbound', services: ['https'] } },
    { name: 'inet-cms', tier: 'internet', cidrs: ['172.16.1.0/24'] },
  ],
  flows: [
    { id: 'F-001', from: ['lg-terminals'], to: ['lg-server'], services: ['tcp/22'], action: 'deny' },
    { id: 'F-010', from: ['clients'], to: ['inet-vbrowser'], services: ['https'] },
    { id: 'F-020', from: ['tier:lgwan'], to: ['mn-import'], services: ['smb'] },
    { id: 'F-030', from: ['everyone'], to: ['inet-cms'], services: ['web'] },
    { id: 'F-040', from: ['mn-terminals'], to: ['mn-import'], services: ['tcp/445'] },
  ],
  exceptions: [
    { id: 'EX-OLD', from: ['mn-nomfa'], to: ['mn-import'], services: ['any'], reason: 'r', 'approved-by': 'CISO', expires: '2026-06-14' },
    { id: 'EX-TODAY', from: ['outside'], to: ['inet-cms'], services: ['tcp/443'], reason: 'r', 'approved-by': 'CISO', expires: '2026-06-15' },
  ],
};

const ref = new ReferenceEvaluator(rules, '2026-06-15');

function decide(src: string, dst: string, service: string) {
  const r = ref.decide(src, dst, service);
  if (!r.ok) throw new Error(r.error);
  return r.decision;
}

t.test('each step of §2 in turn', async (t) => {
  t.match(decide('10.20.1.5', '10.20.5.9', 'tcp/22'), { decision: 'deny', code: 'EXPLICIT-DENY', rule: 'F-001', path: 'none', sanitizer: null });
  t.match(decide('10.20.1.5', '8.8.8.8', 'tcp/443'), { decision: 'deny', code: 'CLOUD-AGGREGATION', rule: null, dst: { segment: 'outside', tier: 'outside' } });
  t.match(decide('10.10.100.1', '10.20.1.1', 'tcp/445'), { code: 'MN-ISOLATION' });
  t.match(decide('10.20.1.5', '172.16.1.1', 'tcp/443'), { code: 'SPLIT-PATH' }, 'lgwan → internet without a sanitizer');
  t.match(decide('10.10.101.7', '10.10.2.1', 'tcp/445'), { code: 'MFA-REQUIRED' }, 'EX-OLD expired yesterday');
  t.match(decide('203.0.113.1', '172.16.1.1', 'tcp/443'), { decision: 'allow', code: 'EXCEPTION', rule: 'EX-TODAY', path: 'direct' }, 'valid through its expiry date');
  t.match(decide('203.0.113.1', '172.16.1.1', 'tcp/80'), { decision: 'deny', code: 'CLOUD-AGGREGATION' });
  t.match(decide('10.20.1.5', '172.16.9.10', 'tcp/443'), {
    decision: 'allow',
    code: 'GRANTED',
    rule: 'F-010',
    path: 'sanitized',
    sanitizer: { segment: 'inet-vbrowser', method: 'screen-transfer' },
    src: { segment: 'lg-terminals', tier: 'lgwan' },
    dst: { segment: 'inet-vbrowser', tier: 'internet' },
  });
  t.match(decide('10.10.100.1', '10.10.2.1', 'tcp/445'), { decision: 'allow', code: 'GRANTED', rule: 'F-040', path: 'direct', sanitizer: null });
  t.match(decide('10.20.1.5', '10.20.5.9', 'tcp/23'), { decision: 'allow', code: 'DEFAULT-ALLOW', rule: null, path: 'direct' });
  t.match(decide('172.16.1.1', '172.16.1.2', 'tcp/443'), { decision: 'deny', code: 'NO-GRANT', rule: null });
});

t.test('lgwan → mynumber only through file-sanitize, and only its services', async (t) => {
  t.match(decide('10.20.5.1', '10.10.2.3', 'tcp/445'), {
    decision: 'allow',
    code: 'GRANTED',
    rule: 'F-020',
    path: 'sanitized',
    sanitizer: { segment: 'mn-import', method: 'file-sanitize' },
  });
  t.match(decide('10.20.5.1', '10.10.2.3', 'tcp/446'), { decision: 'deny', code: 'MN-ISOLATION' });
  t.match(decide('10.10.2.3', '10.20.5.1', 'tcp/445'), { decision: 'deny', code: 'MN-ISOLATION' }, 'not the other way');
});

t.test('names: nested groups, tier selectors', async (t) => {
  // lg-server is in `everyone` directly; lg-terminals through `clients`.
  t.match(decide('10.20.5.1', '172.16.1.1', 'tcp/80'), { code: 'SPLIT-PATH' }, 'the ceiling still applies to a granted cross-tier flow');
  t.ok(ref.selects('everyone', ref.segmentNamed('lg-terminals')!));
  t.notOk(ref.selects('clients', ref.segmentNamed('lg-server')!));
  t.ok(ref.selects('tier:outside', ref.segmentNamed('outside')!));
});

t.test('longest prefix and address forms', async (t) => {
  t.equal(decide('10.20.5.0', '10.20.0.0', 'tcp/23').src.segment, 'lg-server');
  t.equal(decide('10.20.4.255', '10.20.6.0', 'tcp/23').src.segment, 'lg-terminals');
  t.equal(decide('::ffff:10.20.5.255', '::ffff:a14:600', 'tcp/23').src.segment, 'lg-server', '::ffff:-mapped resolves as IPv4');
  t.equal(decide('fd00:20::1', 'fd00:21::', 'tcp/23').dst.segment, 'outside');
  t.same(parseFlowAddress('0:0:0:0:0:ffff:1.2.3.4'), { family: 4, value: 0x01020304n });
  t.equal(parseFlowAddress('10.0.0.01'), null);
  t.equal(parseFlowAddress('1::2::3'), null);
  t.equal(parseFlowAddress('10.0.0.0/8'), null);
  t.notOk(ref.decide('10.0.0.1', '10.0.0.2', 'tcp').ok, 'a tcp flow needs a port');
  t.notOk(ref.decide('10.0.0.1', '10.0.0.2', 'any').ok);
});

t.test('the guideline models, worked out by hand (docs/models.md)', async (t) => {
  const cloud = { name: 'cloud', tier: 'internet', external: true, cidrs: ['203.0.113.0/26'], breakout: { services: ['https'] } };
  const vdi = { name: 'lg-vdi', tier: 'lgwan', cidrs: ['10.30.9.0/24'], sanitizer: { method: 'screen-transfer', peer: 'internet', direction: 'inbound', services: ['tcp/3389'] } };
  const inet = { name: 'inet-terminals', tier: 'internet', role: 'terminal', cidrs: ['172.16.100.0/22'] };
  const under = (model: string): ReferenceEvaluator =>
    new ReferenceEvaluator(
      {
        ...rules,
        policy: { ...rules.policy, model },
        segments: [...rules.segments, cloud, vdi, inet],
        flows: [
          ...rules.flows!,
          { id: 'F-B1', from: ['tier:lgwan'], to: ['cloud'], services: ['https', 'tcp/80'] },
          { id: 'F-B2', from: ['inet-terminals'], to: ['lg-vdi'], services: ['tcp/3389'] },
          { id: 'F-B3', from: ['cloud'], to: ['lg-terminals'], services: ['https'] },
        ],
      },
      '2026-06-15',
    );
  const d = (r: ReferenceEvaluator, src: string, dst: string, service: string) => {
    const x = r.decide(src, dst, service);
    if (!x.ok) throw new Error(x.error);
    return x.decision;
  };
  const ap = under('alpha-prime');
  t.match(d(ap, '10.20.1.5', '203.0.113.9', 'tcp/443'), { decision: 'allow', code: 'GRANTED', rule: 'F-B1', path: 'breakout', sanitizer: null }, 'α′: LGWAN → breakout service');
  t.match(d(ap, '10.20.1.5', '203.0.113.9', 'tcp/80'), { decision: 'deny', code: 'SPLIT-PATH' }, 'α′: a service not in breakout');
  t.match(d(ap, '203.0.113.9', '10.20.1.5', 'tcp/443'), { decision: 'deny', code: 'SPLIT-PATH' }, 'α′: nothing inbound');
  t.match(d(ap, '10.10.100.1', '203.0.113.9', 'tcp/443'), { decision: 'deny', code: 'MN-ISOLATION' }, 'α′: nothing for My Number');
  for (const model of ['alpha', 'beta', 'beta-prime']) {
    t.match(d(under(model), '10.20.1.5', '203.0.113.9', 'tcp/443'), { decision: 'deny', code: 'SPLIT-PATH' }, `${model}: breakout lifts nothing`);
  }
  for (const model of ['beta', 'beta-prime']) {
    t.match(
      d(under(model), '172.16.100.5', '10.30.9.1', 'tcp/3389'),
      { decision: 'allow', code: 'GRANTED', rule: 'F-B2', path: 'sanitized', sanitizer: { segment: 'lg-vdi', method: 'screen-transfer' } },
      `${model}: screen transfer into LGWAN`,
    );
    t.match(d(under(model), '10.30.9.1', '172.16.100.5', 'tcp/3389'), { decision: 'deny', code: 'SPLIT-PATH' }, `${model}: not outward`);
  }
  for (const model of ['alpha', 'alpha-prime']) {
    t.match(d(under(model), '172.16.100.5', '10.30.9.1', 'tcp/3389'), { decision: 'deny', code: 'SPLIT-PATH' }, `${model}: no β bridge`);
  }
});
