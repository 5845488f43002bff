import type { Io } from '../cli/io.js';
export async function workerCommand(_v: unknown, _f: unknown, io: Io): Promise<number> { io.stderr('not yet\n'); return 1; }
export async function publishCommand(_v: unknown, _p: unknown, io: Io): Promise<number> { io.stderr('not yet\n'); return 1; }
export async function mergeCommand(_v: unknown, _p: unknown, io: Io): Promise<number> { io.stderr('not yet\n'); return 1; }
