import t from 'tap';
import { LATENCY_BUCKETS, Metrics } from '../../src/http/metrics.js';

/** Parses the text exposition: every sample line must be `name{labels} value`. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    out.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return out;
}

t.test('requests, latency, decisions, policy and reloads', async (t) => {
  const m = new Metrics();
  m.observeRequest('POST', '/v1/decide', 200, 0.0002);
  m.observeRequest('POST', '/v1/decide', 200, 0.003);
  m.observeRequest('POST', '/v1/decide', 400, 0.0001);
  m.observeDecision('allow', 'GRANTED');
  m.observeDecision('deny', 'SPLIT-PATH', 5);
  m.setPolicy('Sample "City"\\', 'sha256:abc', new Date(1_700_000_000_000));
  m.observeReload('ok', new Date(1_700_000_000_000));
  m.observeReload('failed', new Date(1_700_000_100_000));
  const text = m.render();
  t.ok(text.endsWith('\n'));
  const s = samples(text);
  t.equal(s.get('sanso_http_requests_total{method="POST",route="/v1/decide",status="200"}'), 2);
  t.equal(s.get('sanso_http_requests_total{method="POST",route="/v1/decide",status="400"}'), 1);
  t.equal(m.requestCount('POST', '/v1/decide', 200), 2);
  // Buckets are cumulative: 0.0001 and 0.0002 fall in the first, 0.003 from 0.005 on.
  t.equal(s.get('sanso_http_request_duration_seconds_bucket{method="POST",route="/v1/decide",le="0.0005"}'), 2);
  t.equal(s.get('sanso_http_request_duration_seconds_bucket{method="POST",route="/v1/decide",le="0.0025"}'), 2);
  t.equal(s.get('sanso_http_request_duration_seconds_bucket{method="POST",route="/v1/decide",le="0.005"}'), 3);
  t.equal(s.get('sanso_http_request_duration_seconds_bucket{method="POST",route="/v1/decide",le="+Inf"}'), 3);
  t.equal(s.get('sanso_http_request_duration_seconds_count{method="POST",route="/v1/decide"}'), 3);
  t.ok(Math.abs(s.get('sanso_http_request_duration_seconds_sum{method="POST",route="/v1/decide"}')! - 0.0033) < 1e-9);
  t.equal(s.get('sanso_decisions_total{decision="allow",code="GRANTED"}'), 1);
  t.equal(s.get('sanso_decisions_total{decision="deny",code="SPLIT-PATH"}'), 5);
  t.equal(s.get('sanso_policy_info{name="Sample \\"City\\"\\\\",version="sha256:abc"}'), 1);
  t.equal(s.get('sanso_policy_loaded_timestamp_seconds'), 1_700_000_000);
  t.equal(s.get('sanso_policy_reloads_total{result="ok"}'), 1);
  t.equal(s.get('sanso_policy_reloads_total{result="failed"}'), 1);
  t.equal(s.get('sanso_policy_last_reload_success'), 0);
  t.equal(s.get('sanso_policy_last_reload_timestamp_seconds'), 1_700_000_100);
  t.ok(s.get('process_resident_memory_bytes')! > 0);
  // Every family is typed once.
  for (const name of ['sanso_http_requests_total', 'sanso_http_request_duration_seconds', 'sanso_decisions_total', 'sanso_policy_info']) {
    t.equal(text.split('\n').filter((l) => l.startsWith(`# TYPE ${name} `)).length, 1, name);
  }
  t.equal(
    LATENCY_BUCKETS.every((b, i) => i === 0 || b > LATENCY_BUCKETS[i - 1]!),
    true,
    'buckets ascend',
  );
});

t.test('an unchanged reload counts as success', async (t) => {
  const m = new Metrics();
  m.observeReload('unchanged', new Date(0));
  t.equal(samples(m.render()).get('sanso_policy_last_reload_success'), 1);
});
