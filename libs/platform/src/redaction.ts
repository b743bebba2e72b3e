import { types } from 'node:util';

/**
 * Personal data must never reach a log line. Structured fields that carry it are removed
 * by key (here, at any depth and in any casing, and again by pino `redact`), free text is
 * scrubbed for anything shaped like an NHS or NI number or an identifier query parameter,
 * and errors are reduced to what names the failure (type, scrubbed message, code, stack
 * frames) so a driver's copy of the row or the query's parameters is never written.
 * Every pattern here over-redacts rather than risk a miss, and runs in linear time.
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

/** Replaces every redacted value. */
export const REDACTED = '[REDACTED]';

/** Nesting a log object or error chain may have; deeper values become `[TRUNCATED]`. */
export const MAX_LOG_DEPTH = 8;
/** Values (objects, array items, strings) one log call may carry; the rest become `[TRUNCATED]`. */
export const MAX_LOG_VALUES = 1000;
/** Characters of one string in a log object, error message or stack frame. */
export const MAX_LOG_STRING = 4096;
/** Stack frames kept per error. */
export const MAX_STACK_FRAMES = 20;
/** Errors kept from an AggregateError's `errors`. */
export const MAX_AGGREGATED_ERRORS = 10;

const TRUNCATED = '[TRUNCATED]';

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

const PERSONAL_DATA_KEY_FORMS = new Set(PERSONAL_DATA_KEYS.map(normalisedKey));

function normalisedKey(key: string): string {
  return key.toLowerCase().replace(/[\s_-]/g, '');
}

/** True for `nhsNumber`, `NHS_NUMBER`, `nhs-number`, `Subject`, ...: the key's value is redacted whole. */
export function isPersonalDataKey(key: string): boolean {
  return PERSONAL_DATA_KEY_FORMS.has(normalisedKey(key));
}

// Every pattern below is a fixed sequence of bounded repetitions, and where a repetition is
// followed by a choice the two never match the same character (separators are never digits),
// so each start position costs at most a constant: scrubbing is linear in the text's length.

// What people and URLs put between the digits of a number: whitespace, hyphens, dots, `+`, and their URL encodings.
const DIGIT_SEPARATOR = String.raw`(?:[\s.+-]|%20|%2D|%2E)`;
// A digit that starts a number: no digit before it, unless that digit ends a URL escape (`%20`).
const NUMBER_START = String.raw`(?<!(?<!%[0-9a-f])\d)`;
// Ten digits, however grouped or separated, not part of a longer number: an NHS number.
const NHS_NUMBER_LIKE = new RegExp(String.raw`${NUMBER_START}\d(?:${DIGIT_SEPARATOR}{0,3}\d){9}(?!\d)`, 'gi');
// Two letters, six digits and an optional letter, spaces allowed: an NI number. Deliberately
// wider than the NI number rules (any letters, any suffix): over-redacting a log line costs nothing.
const NI_SEPARATOR = String.raw`(?:\s|%20|\+)`;
const NI_NUMBER_LIKE = new RegExp(
  String.raw`(?<!(?<!%[0-9a-f])[a-z])[a-z]{2}(?:${NI_SEPARATOR}{0,2}\d{2}){3}(?:${NI_SEPARATOR}{0,2}[a-z](?![a-z]))?(?!\d)`,
  'gi',
);
// Keys whose value is an identifier or a name, in any casing and with `_`/`-` between words.
const IDENTIFIER_KEY = String.raw`(?:nhs[_-]?(?:number|no)|ni[_-]?(?:number|no)|nino|date[_-]?of[_-]?birth|dob|post[_-]?code|uprn|(?:given|family)(?:[_-]?names?)?|(?:first|last|full|sur)[_-]?names?|names?)`;
// `key=value`, `key[]=value`, `key%5B%5D=value`, `"key": "value"`, `key: value`: the key (not
// inside a longer word), brackets or quotes, `=` or `:` (or their URL encodings), then the value:
// an earlier `[REDACTED]`, a quoted string up to its closing quote, or a bare token (with a
// postcode's inward code after a space: `postcode: SO16 7XX`).
const IDENTIFIER_FIELD = new RegExp(
  String.raw`((?<!(?<!%[0-9a-f])[a-z0-9])${IDENTIFIER_KEY}(?:[\[\]"'\\]|%5B|%5D|%22|%27|\d){0,8}\s{0,2}(?:=|:|%3D|%3A)(?:\s|\+|%20){0,3})` +
    String.raw`(?:\[REDACTED\]|(\\?["'])(?:(?!\2)[^\n]){0,256}|[^&#;,\s"'\\<>(){}\[\]]{1,256}(?:\s\d[a-z]{2}(?![a-z]))?)`,
  'gi',
);

/** Replaces anything in `text` shaped like an NHS or NI number, or the value of an identifier field. */
export function scrubText(text: string): string {
  return text
    .replace(NHS_NUMBER_LIKE, REDACTED)
    .replace(NI_NUMBER_LIKE, REDACTED)
    .replace(IDENTIFIER_FIELD, (_match, head: string, quote: string | undefined) => `${head}${quote ?? ''}${REDACTED}`);
}

/** Scrubs at most twice the bound, then bounds: an identifier cut in half at the bound is still caught. */
function boundedScrub(text: string, limit = MAX_LOG_STRING): string {
  if (text.length <= limit) return scrubText(text);
  return `${scrubText(text.slice(0, limit * 2)).slice(0, limit)}…${TRUNCATED}`;
}

/** How much of one log call is still to be walked. */
class Budget {
  remaining = MAX_LOG_VALUES;

  take(): boolean {
    if (this.remaining <= 0) return false;
    this.remaining--;
    return true;
  }
}

/**
 * A copy of `value` safe to log: strings scrubbed, personal-data keys redacted, errors
 * serialized by `serializeError`, binary data summarised, all bounded by MAX_LOG_DEPTH,
 * MAX_LOG_VALUES and MAX_LOG_STRING.
 */
export function scrubObject<T>(value: T): T {
  return scrubValue(value, 0, new Budget()) as T;
}

/**
 * The one serializer for errors that reach a log line (pino's `err`, and any error inside a
 * logged object): the type, a scrubbed message, the code and Postgres's identifiers
 * (table, column, constraint), stack frames, and the causes and aggregated errors in the
 * same form. Everything else an error carries is dropped: TypeORM's `query` and
 * `parameters`, Postgres's `detail` ("Failing row contains (…)"), `where`, `hint`,
 * `driverError`, and any field a library adds. A value that is not an error is scrubbed
 * like any other logged value.
 */
export function serializeError(value: unknown): unknown {
  return scrubValue(value, 0, new Budget());
}

/** The logged form of an error. */
export interface SerializedError {
  type: string;
  message: string;
  stack?: string;
  code?: string | number;
  errno?: number;
  syscall?: string;
  status?: number;
  retriable?: boolean;
  table?: string;
  column?: string;
  constraint?: string;
  schema?: string;
  dataType?: string;
  cause?: unknown;
  errors?: unknown[];
}

/** Fields that name what failed, never a value: Node's system-call codes, Postgres's identifiers. */
const ERROR_NAME_FIELDS = ['syscall', 'table', 'column', 'constraint', 'schema', 'dataType'] as const;
/** Postgres's identifier fields: the only quoted words its messages keep. */
const IDENTIFIER_FIELDS = ['table', 'column', 'constraint', 'schema', 'dataType'] as const;

/** True for any Error, including one made in another realm (a vm context, a jest sandbox). */
export function isError(value: unknown): value is Error {
  // isNativeError also recognises errors made in another realm (a vm context, a jest sandbox).
  return value instanceof Error || types.isNativeError(value);
}

function scrubValue(value: unknown, depth: number, budget: Budget): unknown {
  if (typeof value === 'string') return budget.take() ? boundedScrub(value) : TRUNCATED;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_LOG_DEPTH || !budget.take()) return TRUNCATED;
  try {
    if (isError(value)) return errorFields(value, depth, budget);
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[BINARY ${value.byteLength} bytes]`;
    if (Array.isArray(value)) return scrubArray(value, depth, budget);
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return scrubValue(toJSON.call(value), depth + 1, budget);
    const result: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      if (budget.remaining <= 0) {
        result[key] = TRUNCATED;
        break;
      }
      result[key] = isPersonalDataKey(key) ? REDACTED : scrubValue((value as Record<string, unknown>)[key], depth + 1, budget);
    }
    return result;
  } catch {
    // A getter or toJSON that throws: the value is not logged rather than the log call failing.
    return '[UNSERIALIZABLE]';
  }
}

function scrubArray(items: unknown[], depth: number, budget: Budget): unknown[] {
  const result: unknown[] = [];
  for (const item of items) {
    if (budget.remaining <= 0) {
      result.push(`${TRUNCATED} ${items.length - result.length} more`);
      break;
    }
    result.push(scrubValue(item, depth + 1, budget));
  }
  return result;
}

function errorFields(error: Error, depth: number, budget: Budget): SerializedError {
  const fields = error as unknown as Record<string, unknown>;
  const type = errorType(error);
  const identifiers = new Set(IDENTIFIER_FIELDS.map((field) => fields[field]).filter((item): item is string => typeof item === 'string'));
  const message = scrubErrorMessage(typeof error.message === 'string' ? error.message : '', identifiers);
  const serialized: SerializedError = { type, message };
  if (typeof error.stack === 'string') serialized.stack = stackFrames(type, message, error.stack);
  if (typeof fields.code === 'string') serialized.code = boundedScrub(fields.code, 100);
  else if (typeof fields.code === 'number') serialized.code = fields.code;
  if (typeof fields.errno === 'number') serialized.errno = fields.errno;
  if (typeof fields.status === 'number') serialized.status = fields.status;
  if (typeof fields.retriable === 'boolean') serialized.retriable = fields.retriable;
  for (const field of ERROR_NAME_FIELDS) {
    const item = fields[field];
    if (typeof item === 'string') serialized[field] = boundedScrub(item, 200);
  }
  // kafkajs keeps the failure behind a retry in `originalError`.
  const cause = fields.cause ?? (isError(fields.originalError) ? fields.originalError : undefined);
  if (cause !== undefined) serialized.cause = scrubValue(cause, depth + 1, budget);
  if (Array.isArray(fields.errors)) {
    const errors = fields.errors.slice(0, MAX_AGGREGATED_ERRORS);
    serialized.errors = scrubArray(errors, depth, budget);
    if (fields.errors.length > errors.length) serialized.errors.push(`${TRUNCATED} ${fields.errors.length - errors.length} more`);
  }
  return serialized;
}

function errorType(error: Error): string {
  const constructorName = (error.constructor as { name?: unknown } | undefined)?.name;
  if (typeof constructorName === 'string' && constructorName.length > 0) return boundedScrub(constructorName, 100);
  return typeof error.name === 'string' ? boundedScrub(error.name, 100) : 'Error';
}

// A double-quoted span; one left open runs to the end of its line.
const QUOTED = /"([^"\n]*)(?:"|$)/gm;
// V8's JSON.parse quotes the start of its input, which may itself contain quotes.
const JSON_SOURCE_QUOTE = /"[^\n]*" is not valid JSON/g;

/**
 * An error message with identifiers scrubbed and every double-quoted span redacted, unless it
 * is one of the error's own identifier fields: Postgres and V8 quote the offending value
 * (`invalid input syntax for type uuid: "…"`, `"…" is not valid JSON`) and the table and
 * constraint names alike.
 */
function scrubErrorMessage(message: string, identifiers: ReadonlySet<string>): string {
  const bounded = message.length > MAX_LOG_STRING * 2 ? message.slice(0, MAX_LOG_STRING * 2) : message;
  const unquoted = bounded
    .replace(JSON_SOURCE_QUOTE, `"${REDACTED}" is not valid JSON`)
    .replace(QUOTED, (match, inner: string) => (identifiers.has(inner) ? match : `"${REDACTED}"`));
  return boundedScrub(unquoted);
}

const STACK_FRAME = /^\s+at\s/;

/**
 * The stack as `<type>: <scrubbed message>` and its first frames. Only `at …` lines are kept:
 * the lines before them repeat the unscrubbed message, and libraries append causes'
 * messages ("Caused by: …") that are logged through `cause` instead.
 */
function stackFrames(type: string, message: string, stack: string): string {
  const lines = stack.slice(0, MAX_LOG_STRING * 8).split('\n');
  const frames: string[] = [];
  for (const line of lines) {
    if (frames.length >= MAX_STACK_FRAMES) break;
    if (STACK_FRAME.test(line)) frames.push(boundedScrub(line, 300));
  }
  return [`${type}: ${message}`, ...frames].join('\n');
}
