/** What a command may touch: injected so tests run commands in-process. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Standard input as a stream, for `decide --batch -`. */
  stdin: NodeJS.ReadableStream;
  /** Today's date override for tests is --as-of; env is for HOST, PORT, tokens. */
  env: NodeJS.ProcessEnv;
  /** Standard error is a terminal: long runs may show progress there. */
  stderrIsTTY?: boolean;
}

/** A mistake in how the command was called: exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const EXIT = { OK: 0, BAD_INPUT: 1, USAGE: 2, DENY: 3 } as const;
