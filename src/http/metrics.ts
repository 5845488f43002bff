/**
 * Prometheus text exposition (format 0.0.4), written by hand: a handful of counters, one
 * histogram and a few gauges do not need a client library. Counting is a Map update on the
 * request path; the text is built only when /metrics is scraped.
 */

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Latency buckets in seconds: a decide answers in microseconds, a big check in a second. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labels(pairs: Record<string, string>): string {
  const keys = Object.keys(pairs);
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${escapeLabel(pairs[k]!)}"`).join(',')}}`;
}

function num(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

interface Histogram {
  labels: Record<string, string>;
  counts: number[];
  sum: number;
  count: number;
}

export interface ReloadState {
  result: 'ok' | 'failed' | 'unchanged';
  /** Unix time in seconds. */
  at: number;
}

interface Counter {
  labels: Record<string, string>;
  n: number;
}

export class Metrics {
  // Nested by route, method, status: counting builds no key strings on the request path.
  private readonly requests = new Map<string, Map<string, Map<number, Counter>>>();
  private readonly latency = new Map<string, Map<string, Histogram>>();
  /** By code: a code implies its decision (allow for EXCEPTION, GRANTED, DEFAULT-ALLOW). */
  private readonly decisions = new Map<string, Counter>();
  private readonly reloads = new Map<string, number>();
  private readonly security = new Map<string, number>();
  /** Read at scrape time: counters kept elsewhere (the pool, the decision log). */
  private readonly gauges: { name: string; type: 'counter' | 'gauge'; help: string; read: () => number }[] = [];
  private policy: { name: string; version: string; loadedAt: number } | null = null;
  private lastReload: ReloadState | null = null;
  private readonly startedAt = performance.timeOrigin / 1000;

  /** One answered request: `route` is the route's template (never the raw URL: bounded labels). */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    let byMethod = this.requests.get(route);
    if (!byMethod) this.requests.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let c = byStatus.get(status);
    if (!c) byStatus.set(status, (c = { labels: { method, route, status: String(status) }, n: 0 }));
    c.n++;
    let hs = this.latency.get(route);
    if (!hs) this.latency.set(route, (hs = new Map()));
    let h = hs.get(method);
    if (!h) hs.set(method, (h = { labels: { method, route }, counts: new Array<number>(LATENCY_BUCKETS.length).fill(0), sum: 0, count: 0 }));
    for (let i = LATENCY_BUCKETS.length - 1; i >= 0 && seconds <= LATENCY_BUCKETS[i]!; i--) h.counts[i]!++;
    h.sum += seconds;
    h.count++;
  }

  observeDecision(decision: string, code: string, n = 1): void {
    let c = this.decisions.get(code);
    if (!c) this.decisions.set(code, (c = { labels: { decision, code }, n: 0 }));
    c.n += n;
  }

  setPolicy(name: string, version: string, loadedAt: Date): void {
    this.policy = { name, version, loadedAt: loadedAt.getTime() / 1000 };
  }

  observeReload(result: ReloadState['result'], at: Date): void {
    this.lastReload = { result, at: at.getTime() / 1000 };
    this.reloads.set(result, (this.reloads.get(result) ?? 0) + 1);
  }

  observeSecurity(event: string): void {
    this.security.set(event, (this.security.get(event) ?? 0) + 1);
  }

  /** A counter or gauge whose value another part keeps; read when /metrics is scraped. */
  register(name: string, type: 'counter' | 'gauge', help: string, read: () => number): void {
    this.gauges.push({ name, type, help, read });
  }

  /** Current count of one request series (tests, and nothing else, read single series). */
  requestCount(method: string, route: string, status: number): number {
    return this.requests.get(route)?.get(method)?.get(status)?.n ?? 0;
  }

  render(): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);

    family('sanso_http_requests_total', 'counter', 'HTTP requests answered, by method, route template and status.');
    for (const byMethod of this.requests.values()) {
      for (const byStatus of byMethod.values()) for (const c of byStatus.values()) out.push(`sanso_http_requests_total${labels(c.labels)} ${c.n}`);
    }

    family('sanso_http_request_duration_seconds', 'histogram', 'Time from request to response, by method and route template.');
    for (const h of [...this.latency.values()].flatMap((m) => [...m.values()])) {
      LATENCY_BUCKETS.forEach((b, i) => out.push(`sanso_http_request_duration_seconds_bucket${labels({ ...h.labels, le: num(b) })} ${h.counts[i]}`));
      out.push(`sanso_http_request_duration_seconds_bucket${labels({ ...h.labels, le: '+Inf' })} ${h.count}`);
      out.push(`sanso_http_request_duration_seconds_sum${labels(h.labels)} ${num(h.sum)}`);
      out.push(`sanso_http_request_duration_seconds_count${labels(h.labels)} ${h.count}`);
    }

    family('sanso_decisions_total', 'counter', 'Flow decisions given (single, batch and NDJSON), by decision and code.');
    for (const c of this.decisions.values()) out.push(`sanso_decisions_total${labels(c.labels)} ${c.n}`);

    family('sanso_policy_info', 'gauge', 'The policy serving now (value 1), by name and version.');
    if (this.policy) out.push(`sanso_policy_info${labels({ name: this.policy.name, version: this.policy.version })} 1`);
    family('sanso_policy_loaded_timestamp_seconds', 'gauge', 'When the serving policy was compiled (Unix time).');
    if (this.policy) out.push(`sanso_policy_loaded_timestamp_seconds ${num(this.policy.loadedAt)}`);

    family('sanso_policy_reloads_total', 'counter', 'Policy reloads attempted, by result (ok, failed, unchanged).');
    for (const [result, n] of this.reloads) out.push(`sanso_policy_reloads_total${labels({ result })} ${n}`);
    family('sanso_policy_last_reload_success', 'gauge', '1 if the last reload succeeded (or changed nothing), 0 if it failed.');
    if (this.lastReload) out.push(`sanso_policy_last_reload_success ${this.lastReload.result === 'failed' ? 0 : 1}`);
    family('sanso_policy_last_reload_timestamp_seconds', 'gauge', 'When the last reload was attempted (Unix time).');
    if (this.lastReload) out.push(`sanso_policy_last_reload_timestamp_seconds ${num(this.lastReload.at)}`);

    family('sanso_security_events_total', 'counter', 'Security events (failed authentication, refused scope, refused Host, reloads), by event.');
    for (const [event, n] of this.security) out.push(`sanso_security_events_total${labels({ event })} ${n}`);
    for (const g of this.gauges) {
      family(g.name, g.type, g.help);
      out.push(`${g.name} ${num(g.read())}`);
    }

    family('process_start_time_seconds', 'gauge', 'Start time of the process (Unix time).');
    out.push(`process_start_time_seconds ${num(this.startedAt)}`);
    const mem = process.memoryUsage();
    family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.');
    out.push(`process_resident_memory_bytes ${mem.rss}`);
    family('nodejs_heap_used_bytes', 'gauge', 'V8 heap in use, in bytes.');
    out.push(`nodejs_heap_used_bytes ${mem.heapUsed}`);
    return `${out.join('\n')}\n`;
  }
}
