/**
 * Findings to a webhook, without ever holding up the reader: push() only queues (a bounded
 * queue; when it is full the finding is dropped and counted), one sender posts in order, retries
 * a failed post with exponential backoff (a 4xx other than 408/429 is not retried: the receiver
 * refused it), and gives up after `retries`. drain() waits, within a limit, for the queue at exit.
 */
export interface WebhookOptions {
  /** Findings queued at most (default 1,000). */
  max?: number;
  /** Retries after the first attempt (default 5). */
  retries?: number;
  /** First backoff in ms, doubled each retry (default 250). */
  backoffMs?: number;
  /** Per attempt (default 5,000 ms). */
  timeoutMs?: number;
}

export class Webhook {
  sent = 0;
  failed = 0;
  dropped = 0;
  private readonly queue: string[] = [];
  private sending: Promise<void> | null = null;
  private readonly max: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly timeoutMs: number;

  constructor(
    readonly url: string,
    opts: WebhookOptions = {},
  ) {
    this.max = opts.max ?? 1000;
    this.retries = opts.retries ?? 5;
    this.backoffMs = opts.backoffMs ?? 250;
    this.timeoutMs = opts.timeoutMs ?? 5000;
  }

  get pending(): number {
    return this.queue.length;
  }

  push(body: string): void {
    if (this.queue.length >= this.max) {
      this.dropped++;
      return;
    }
    this.queue.push(body);
    this.sending ??= this.send().finally(() => {
      this.sending = null;
    });
  }

  private async send(): Promise<void> {
    for (let body = this.queue.shift(); body !== undefined; body = this.queue.shift()) {
      let done = false;
      for (let attempt = 0; attempt <= this.retries && !done; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, this.backoffMs * 2 ** (attempt - 1)));
        try {
          const res = await fetch(this.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(this.timeoutMs) });
          await res.arrayBuffer().catch(() => undefined);
          if (res.ok) {
            this.sent++;
            done = true;
          } else if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) break;
        } catch {
          // Network error or timeout: retried.
        }
      }
      if (!done) this.failed++;
    }
  }

  /** Waits for the queue to empty, at most `ms`; what is left then is counted as failed. */
  async drain(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while ((this.sending !== null || this.queue.length > 0) && Date.now() < deadline) {
      await Promise.race([this.sending, new Promise((r) => setTimeout(r, Math.max(1, Math.min(50, deadline - Date.now()))))]);
    }
    this.failed += this.queue.length;
    this.queue.length = 0;
  }
}
