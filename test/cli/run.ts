/** Runs the CLI in-process with captured output: what every CLI test needs. */
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';

export interface Run {
  code: number;
  out: string;
  err: string;
}

export async function sanso(args: string[], stdin = '', env: NodeJS.ProcessEnv = {}): Promise<Run> {
  let out = '';
  let err = '';
  const input = new PassThrough();
  input.end(stdin);
  const code = await main(args, {
    stdout: (s) => {
      out += s;
    },
    stderr: (s) => {
      err += s;
    },
    stdin: input,
    env,
  });
  return { code, out, err };
}
