/** A place in a rule file. Line and column are 1-based, as editors and SARIF count them. */
export interface Location {
  file: string;
  line: number;
  col: number;
}

/** For problems about the rule set as a whole (no files, a missing path). */
export function nowhere(file: string): Location {
  return { file, line: 1, col: 1 };
}
