/**
 * The monitor's Prometheus counters, served on their own port (--metrics-port): a monitor is a
 * batch or worker process, not the HTTP service, so it does not share the service's registry.
 * Text exposition format 0.0.4, built only when scraped.
 */
import { createServer, type Server } from 'node:http';
import { CODE_LIST } from './monitor.js';

/** Prometheus' text exposition format 0.0.4, as the service's /metrics also answers. */
const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface MonitorCounters {
  records: number;
  parsed: number;
  rejected: number;
  perCode: Float64Array;
  aggregates: number;
  webhook?: { sent: number; failed: number; dropped: number } | undefined;
}

export function metricsText(c: MonitorCounters): string {
  const lines = [
    '# HELP sanso_monitor_records_total Records read (parsed + rejected).',
    '# TYPE sanso_monitor_records_total counter',
    `sanso_monitor_records_total ${c.records}`,
    '# HELP sanso_monitor_parsed_total Records read and decided.',
    '# TYPE sanso_monitor_parsed_total counter',
    `sanso_monitor_parsed_total ${c.parsed}`,
    '# HELP sanso_monitor_rejected_total Records that could not be read.',
    '# TYPE sanso_monitor_rejected_total counter',
    `sanso_monitor_rejected_total ${c.rejected}`,
    '# HELP sanso_monitor_denied_total Records the policy denies, by decision code.',
    '# TYPE sanso_monitor_denied_total counter',
    ...CODE_LIST.map((code, i) => [code, c.perCode[i]!] as const)
      .filter(([, n]) => n > 0)
      .map(([code, n]) => `sanso_monitor_denied_total{code="${code}"} ${n}`),
    '# HELP sanso_monitor_findings Distinct findings (code, source segment, destination segment, service).',
    '# TYPE sanso_monitor_findings gauge',
    `sanso_monitor_findings ${c.aggregates}`,
  ];
  if (c.webhook) {
    lines.push('# HELP sanso_monitor_webhook_total Findings posted to the webhook, by result.', '# TYPE sanso_monitor_webhook_total counter');
    for (const k of ['sent', 'failed', 'dropped'] as const) lines.push(`sanso_monitor_webhook_total{result="${k}"} ${c.webhook[k]}`);
  }
  return `${lines.join('\n')}\n`;
}

/** GET /metrics on host:port (port 0: any free port); resolves with the server once listening. */
export function serveMetrics(host: string, port: number, counters: () => MonitorCounters): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE });
      res.end(metricsText(counters()));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
