/** What the numbers were measured on: they mean little without it. */
import { cpus, loadavg, platform, arch, totalmem, release } from 'node:os';

export interface Machine {
  cpus: number;
  cpuModel: string;
  node: string;
  v8: string;
  os: string;
  memoryGiB: number;
  /** 1-minute load average when the run started: other work on a shared machine skews results. */
  loadAtStart: number;
}

export function machine(): Machine {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    node: process.version,
    v8: process.versions.v8,
    os: `${platform()} ${release()} ${arch()}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAtStart: Math.round(loadavg()[0]! * 100) / 100,
  };
}
