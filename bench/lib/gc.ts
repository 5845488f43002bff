/**
 * Timing a synchronous loop on a shared machine: wall-clock time, this process's CPU time (the
 * fair figure for "per core" when other work competes for the cores), garbage collections seen
 * while it ran, and heap growth. Each measurement starts from a collected heap, so a collection
 * inside the loop is the loop's own doing, not garbage left by whatever ran before it.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface LoopCost {
  wallMs: number;
  cpuMs: number;
  gcEvents: number;
  gcMs: number;
  /** used_heap_size after the loop minus before (bytes; negative if a GC freed more). */
  heapGrowth: number;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A full collection on demand without starting node with --expose-gc. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export class GcCounter {
  private events = 0;
  private ms = 0;
  private readonly gc = collector();
  private readonly observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      this.events++;
      this.ms += e.duration;
    }
  });

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** Runs fn from a collected heap; 'gc' entries arrive asynchronously, hence the pauses. */
  async measure<T>(fn: () => T): Promise<{ result: T; cost: LoopCost }> {
    this.gc();
    await pause(20);
    await tick();
    const events = this.events;
    const ms = this.ms;
    const heap = getHeapStatistics().used_heap_size;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const result = fn();
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const heapGrowth = getHeapStatistics().used_heap_size - heap;
    await pause(20);
    await tick();
    return { result, cost: { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, gcEvents: this.events - events, gcMs: this.ms - ms, heapGrowth } };
  }

  close(): void {
    this.observer.disconnect();
  }
}
