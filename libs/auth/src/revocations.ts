import { HttpStatus } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { AccordError } from '@accord/platform';

/** How often the revocation list is read. */
export const REVOCATION_POLL_INTERVAL_MS = 1_000;
/** Older knowledge than this is not used: tokens are refused with 503 until the list is read again. */
export const REVOCATION_STALE_AFTER_MS = 5_000;
/** One read of the list, body included. */
export const REVOCATION_REQUEST_TIMEOUT_MS = 2_000;
/** Largest revocation list read (about 50,000 revoked, unexpired tokens); a larger answer is a failed read. */
export const MAX_REVOCATION_LIST_BYTES = 4 * 1024 * 1024;
/** Longest token id taken from the list (hub-api's are UUIDs). */
const MAX_TOKEN_ID_LENGTH = 200;

/** The app cannot tell whether a token was revoked, so it serves no authenticated request (fails closed). */
export class AuthUnavailable extends AccordError {
  constructor() {
    super('auth-unavailable', "Bearer tokens cannot be checked: the hub's revocation list has not been read for over 5 s; retry shortly", HttpStatus.SERVICE_UNAVAILABLE);
    this.headers = { 'Retry-After': '2' };
  }
}

/** The subset of a pino logger the feed reports its reachability with. */
export interface RevocationFeedLogger {
  warn(object: object, message: string): void;
  info(object: object, message: string): void;
}

export interface RevocationFeedOptions {
  /** hub-api's `GET /v1/tokens/revocations`. */
  url: string;
  intervalMs?: number;
  staleAfterMs?: number;
  timeoutMs?: number;
  maxBytes?: number;
  logger?: RevocationFeedLogger;
}

/**
 * hub-api's list of revoked, unexpired tokens, read about once a second, for an app that
 * verifies tokens locally. It fails closed: `isRevoked` throws AuthUnavailable while the
 * newest list it holds was requested more than 5 s ago (or no list was ever read), so a
 * revocation reaches this app within 5 s or the app refuses every token. Knowledge is aged
 * from when the request was sent, on this process's monotonic clock: neither a slow answer
 * nor a clock skewed against the hub's makes old knowledge look new. A crash loses nothing:
 * the list is the hub's, read again at start.
 */
export class RevocationFeed {
  private readonly intervalMs: number;
  private readonly staleAfterMs: number;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private revoked = new Set<string>();
  /** performance.now() when the request for the list held was sent; null before the first answer. */
  private requestedAt: number | null = null;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: AbortController | undefined;
  private running = false;
  /** Whether the last read failed, so that an outage is logged once when it starts and once when it ends. */
  private failing = false;

  constructor(private readonly options: RevocationFeedOptions) {
    this.intervalMs = options.intervalMs ?? REVOCATION_POLL_INTERVAL_MS;
    this.staleAfterMs = options.staleAfterMs ?? REVOCATION_STALE_AFTER_MS;
    this.timeoutMs = options.timeoutMs ?? REVOCATION_REQUEST_TIMEOUT_MS;
    this.maxBytes = options.maxBytes ?? MAX_REVOCATION_LIST_BYTES;
  }

  /** Starts polling; resolves once the first read has answered or failed (never throws). */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.poll();
  }

  /** Stops polling and abandons a read under way; nothing is left holding the process open. */
  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight?.abort();
  }

  /** Throws AuthUnavailable when the list held is too old to trust (or there is none). */
  assertCurrent(): void {
    if (this.requestedAt === null || performance.now() - this.requestedAt > this.staleAfterMs) throw new AuthUnavailable();
  }

  /** Whether the token is revoked. Throws AuthUnavailable when the list held is too old to trust. */
  isRevoked(tokenId: string): boolean {
    this.assertCurrent();
    return this.revoked.has(tokenId);
  }

  private async poll(): Promise<void> {
    const sentAt = performance.now();
    try {
      this.revoked = await this.read();
      this.requestedAt = sentAt;
      if (this.failing) this.options.logger?.info({ url: this.options.url }, 'the revocation list is readable again; bearer tokens are accepted');
      this.failing = false;
    } catch (error) {
      if (!this.failing && this.running) {
        this.options.logger?.warn({ err: error, url: this.options.url }, 'the revocation list could not be read; bearer tokens are refused with 503 once it is 5 s old');
      }
      this.failing = true;
    } finally {
      if (this.running) {
        this.timer = setTimeout(() => void this.poll(), this.intervalMs);
        // Polling alone never keeps a process alive; the app's server does.
        this.timer.unref();
      }
    }
  }

  private async read(): Promise<Set<string>> {
    const abort = new AbortController();
    this.inFlight = abort;
    try {
      const response = await fetch(this.options.url, {
        headers: { accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.any([abort.signal, AbortSignal.timeout(this.timeoutMs)]),
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new Error(`the revocation list answered HTTP ${response.status}`);
      }
      return revokedIds(JSON.parse(await readBoundedText(response, this.maxBytes)));
    } finally {
      if (this.inFlight === abort) this.inFlight = undefined;
    }
  }
}

/** The ids in a `{ asOf, revoked: [{ id, expiresAt }] }` answer; throws on any other shape. */
function revokedIds(body: unknown): Set<string> {
  const revoked = (body as { revoked?: unknown } | null)?.revoked;
  if (typeof (body as { asOf?: unknown } | null)?.asOf !== 'string' || !Array.isArray(revoked)) {
    throw new Error('the revocation list is not { asOf, revoked[] }');
  }
  const ids = new Set<string>();
  for (const entry of revoked) {
    const id = (entry as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_TOKEN_ID_LENGTH) throw new Error('the revocation list holds an entry without a token id');
    ids.add(id);
  }
  return ids;
}

/** A response body as text, refused (and its download cancelled) once it passes `maxBytes`. */
export async function readBoundedText(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new Error(`the response is larger than ${maxBytes} bytes`);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > maxBytes) {
      await reader.cancel();
      throw new Error(`the response is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
