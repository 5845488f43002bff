/**
 * Decimal numbers in device text (prefix lengths, ports, protocol numbers), read the one way every
 * device parser shares. The parsers differ only in whether a leading zero is allowed, and that
 * difference is kept on purpose, each reader as it has always read its device's text:
 *   - `padded`: digits with leading zeros, at most as many as the largest value has (`/08`,
 *     `080`, `006`). The iptables-save, nft and Yamaha RTX readers take these.
 *   - `plain`: no leading zero (`0`, `8`, `80`). FortiOS, ASA and PAN-OS print none, so there a
 *     zero-padded number is text sanso does not understand, and stays an error.
 */
export type Spelling = 'padded' | 'plain';

const DIGITS = /^\d+$/;

/** A whole number 0…max spelled as the dialect allows, or null. */
export function parseDecimal(text: string, max: number, spelling: Spelling): number | null {
  if (!DIGITS.test(text)) return null;
  if (spelling === 'plain' ? text.length > 1 && text[0] === '0' : text.length > String(max).length) return null;
  const n = Number(text);
  return n <= max ? n : null;
}
