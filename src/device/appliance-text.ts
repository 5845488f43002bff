/**
 * What the appliance parsers (FortiOS, Yamaha RTX, Cisco ASA, PAN-OS) share beyond the address
 * and service readers every device parser uses (addresses.ts, services.ts): splitting a line into
 * tokens that remember their column, and one reporter that decides what `--lenient` does (an
 * error becomes a warning; the parser then goes on as docs/audit-vendors.md says).
 */
import type { ProblemCode } from '../problems/codes.js';
import type { DeviceLocation, DeviceProblem } from './types.js';

// ——— problems ———

/** The device-configuration codes the appliance parsers emit (src/problems/codes.ts). */
export type ApplianceCode = Extract<ProblemCode, `DEVICE-${string}`>;

export class ApplianceReporter {
  readonly problems: DeviceProblem[] = [];
  constructor(readonly lenient: boolean) {}

  /** A problem that --lenient turns into a warning. */
  fail(code: ApplianceCode, loc: DeviceLocation, message: string): void {
    this.problems.push({ severity: this.lenient ? 'warning' : 'error', code, message, loc });
  }

  /** Stays an error even with --lenient: the device cannot be built at all. */
  fatal(code: ApplianceCode, loc: DeviceLocation, message: string): void {
    this.problems.push({ severity: 'error', code, message, loc });
  }

  /** Always a warning: the parser knows exactly what it did and says so. */
  warn(code: ApplianceCode, loc: DeviceLocation, message: string): void {
    this.problems.push({ severity: 'warning', code, message, loc });
  }
}

// ——— tokens ———

export interface Token {
  text: string;
  /** 1-based column of the token's first character (its opening quote, if quoted). */
  col: number;
}

/**
 * Words separated by blanks; "double" (and, with `single`, 'single') quotes group words and are
 * removed, a backslash inside quotes escapes the next character (FortiOS writes `\"`).
 * Returns null for an unterminated quote.
 */
export function tokenize(line: string, single = false): Token[] | null {
  const out: Token[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    const col = i + 1;
    let text = '';
    while (i < n && line[i] !== ' ' && line[i] !== '\t' && line[i] !== '\r') {
      const q = line[i]!;
      if (q === '"' || (single && q === "'")) {
        i++;
        let closed = false;
        while (i < n) {
          const d = line[i]!;
          if (d === '\\' && i + 1 < n) {
            text += line[i + 1];
            i += 2;
            continue;
          }
          if (d === q) {
            closed = true;
            i++;
            break;
          }
          text += d;
          i++;
        }
        if (!closed) return null;
      } else {
        text += q;
        i++;
      }
    }
    out.push({ text, col });
  }
  return out;
}

/** The text split into lines, with \r\n and \r taken as line ends. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

export function loc(file: string, line: number, col: number): DeviceLocation {
  return { file, line, col };
}
