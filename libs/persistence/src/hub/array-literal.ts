/* Postgres array literals, written by the audit log's writer and its lookups rather than by pg. */

const QUOTE_BACKSLASH_OR_SURROGATE = /["\\\ud800-\udfff]/;
const QUOTES_AND_BACKSLASHES = /["\\]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * What goes before an element of an array literal, by whether the element before it left
 * its closing quote to this piece, whether it is the first, and whether it opens a quote.
 */
const OPENING = ['{', '{"'] as const;
const BETWEEN = [
  [',', ',"'],
  ['",', '","'],
] as const;

/**
 * A Postgres array literal of `valueOf` of each item. Every string is quoted, so that none
 * reads as NULL or splits at a comma or brace; numbers (safe integers, as `chain` checks)
 * are written bare. Written as one join of the elements and constant separators (an
 * element needing no escape goes in as it is, its quotes in the separators around it), so
 * the literal is one flat string and no element is copied but into it.
 */
export function literalOf<T>(items: readonly T[], valueOf: (item: T) => string | number | null | undefined): string {
  if (items.length === 0) return '{}';
  const parts: string[] = new Array(items.length * 2 + 1);
  let open = 0; // 1 when the element before left its closing quote to the next piece
  for (let i = 0; i < items.length; i++) {
    const value = valueOf(items[i]!);
    const plain = typeof value === 'string' && !QUOTE_BACKSLASH_OR_SURROGATE.test(value) ? 1 : 0;
    parts[2 * i] = i === 0 ? OPENING[plain] : BETWEEN[open][plain];
    parts[2 * i + 1] = plain === 1 ? (value as string) : arrayElement(value);
    open = plain;
  }
  parts[items.length * 2] = open === 1 ? '"}' : '}';
  return parts.join('');
}

function arrayElement(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') return String(value);
  if (!QUOTE_BACKSLASH_OR_SURROGATE.test(value)) return `"${value}"`;
  // Sent as UTF-8, a lone surrogate would be stored as U+FFFD, which its hash does not
  // cover: refuse it, as Postgres refuses \u0000 and a lone surrogate escaped in JSON.
  if (LONE_SURROGATE.test(value)) throw new Error('a decision holds a lone UTF-16 surrogate, which Postgres text cannot store');
  return `"${value.replace(QUOTES_AND_BACKSLASHES, '\\$&')}"`;
}

/** A Postgres array literal of the values (see `literalOf`). */
export function arrayLiteral(values: ReadonlyArray<string | number | null | undefined>): string {
  return literalOf(values, (value) => value);
}
