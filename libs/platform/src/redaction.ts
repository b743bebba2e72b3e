/**
 * Personal data must never reach a log line. Structured fields that carry it are removed
 * by path (pino `redact`), and free text is scrubbed for anything shaped like an NHS or
 * NI number, so a careless `logger.info(\`... ${nhsNumber}\`)` still leaks nothing.
 */

/** Keys whose values are personal data wherever they appear. */
export const PERSONAL_DATA_KEYS = [
  'nhsNumber',
  'niNumber',
  'name',
  'given',
  'family',
  'dateOfBirth',
  'postcode',
  'uprn',
  'subject',
  'authorization',
  'cookie',
] as const;

/** pino redact paths: the keys at the top level and up to four levels down. */
export function redactPaths(): string[] {
  const paths: string[] = [];
  for (const key of PERSONAL_DATA_KEYS) {
    let prefix = '';
    for (let depth = 0; depth <= 4; depth++) {
      paths.push(`${prefix}${key}`);
      prefix += '*.';
    }
  }
  paths.push('req.headers.authorization', 'req.headers.cookie', 'req.body', 'res.body');
  return paths;
}

// Ten digits, optionally spaced 3-3-4, and NI numbers: both are replaced in free text.
const NHS_NUMBER_LIKE = /\b\d{3}[ -]?\d{3}[ -]?\d{4}\b/g;
// Deliberately wider than the NI number rules: over-redacting a log line costs nothing.
const NI_NUMBER_LIKE = /\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/gi;
// Query parameters that carry identifiers (the audit API accepts ?nhsNumber=...).
const IDENTIFIER_QUERY = /([?&](?:nhsNumber|niNumber|postcode|dateOfBirth)=)[^&#\s]*/gi;

export function scrubText(text: string): string {
  return text
    .replace(IDENTIFIER_QUERY, '$1[REDACTED]')
    .replace(NHS_NUMBER_LIKE, '[REDACTED]')
    .replace(NI_NUMBER_LIKE, '[REDACTED]');
}

/** Scrubs every string inside a log object (bounded depth; logs are small). */
export function scrubObject<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return scrubText(value) as T;
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrubObject(item, depth + 1)) as T;
  if (value instanceof Error) return value;
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) result[key] = scrubObject(item, depth + 1);
  return result as T;
}
