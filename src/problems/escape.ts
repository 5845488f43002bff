/**
 * One message, one line. Problem reports (validate), change-request reports (check) and the
 * CLI's error lines are read line by line by editors' and CI problem matchers, so a message or
 * file name can never break a line: control characters are written as escapes (\n, \r, \t,
 * \u001b), which also keeps a hostile rule file from sending escape sequences to a terminal.
 * A leaf module, so that every report writer can use it without depending on another.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

export function escapeLine(s: string): string {
  return s.replace(CONTROL, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}
