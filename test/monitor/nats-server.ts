/** A throwaway nats-server -js on 127.0.0.1, a random port and a temporary store directory. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quickSkip } from '../tiers.js';

export interface NatsServer {
  url: string;
  stop(): Promise<void>;
}

/** Why the NATS tests cannot run here, or null. */
export function natsMissing(): string | null {
  const quick = quickSkip('the nats-server test');
  if (quick) return quick;
  const r = spawnSync('nats-server', ['--version'], { encoding: 'utf8' });
  return r.error ? 'nats-server is not installed (Debian: apt-get install nats-server; CI installs it)' : null;
}

export async function startNats(): Promise<NatsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sanso-monitor-nats-'));
  const p: ChildProcess = spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', '-1', '-sd', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`nats-server did not start: ${log}`)), 10_000);
    p.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      const m = /Listening for client connections on 127\.0\.0\.1:(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(`nats://127.0.0.1:${m[1]}`);
      }
    });
    p.once('exit', (code) => reject(new Error(`nats-server exited (${code}): ${log}`)));
  });
  return {
    url,
    stop: async () => {
      if (p.exitCode === null) {
        const gone = new Promise((r) => p.once('exit', r));
        p.kill('SIGTERM');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
