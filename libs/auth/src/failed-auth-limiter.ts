import { HttpStatus } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { AccordError } from '@accord/platform';

export class TooManyFailedAuthentications extends AccordError {
  constructor(retryAfterSeconds: number) {
    super('too-many-failed-authentications', `Too many failed authentications from this address; retry after ${retryAfterSeconds} s`, HttpStatus.TOO_MANY_REQUESTS);
    this.headers = { 'Retry-After': String(retryAfterSeconds) };
  }
}

export interface FailedAuthLimits {
  /** Failed authentications an address may make within the window. */
  failures: number;
  windowSeconds: number;
  /** How long an address that went over is refused (every request, good token or not). */
  blockSeconds: number;
}

export const DEFAULT_FAILED_AUTH_LIMITS: FailedAuthLimits = { failures: 30, windowSeconds: 60, blockSeconds: 60 };

/**
 * Limits failed authentications per client address (rate-limiter-flexible, in memory):
 * past the limit, the address is answered 429 with `Retry-After` before its token is even
 * looked at, so a flood of guessed tokens costs neither a signature check nor a database
 * read. One entry per address that failed within the window, each expiring with it.
 */
export class FailedAuthLimiter {
  private readonly limiter: RateLimiterMemory;

  constructor(private readonly limits: FailedAuthLimits = DEFAULT_FAILED_AUTH_LIMITS) {
    this.limiter = new RateLimiterMemory({ points: limits.failures, duration: limits.windowSeconds, blockDuration: limits.blockSeconds });
  }

  /** Throws TooManyFailedAuthentications while the address is over its limit. */
  async check(address: string): Promise<void> {
    const state = await this.limiter.get(address);
    if (state && state.consumedPoints > this.limits.failures) throw new TooManyFailedAuthentications(retryAfter(state));
  }

  /** Counts a failure; throws TooManyFailedAuthentications when this one goes over the limit. */
  async failed(address: string): Promise<void> {
    try {
      await this.limiter.consume(address);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw new TooManyFailedAuthentications(retryAfter(rejection));
      throw rejection;
    }
  }
}

function retryAfter(state: RateLimiterRes): number {
  return Math.max(1, Math.ceil(state.msBeforeNext / 1000));
}

/** The limits from ACCORD_AUTH_FAILURES_PER_MINUTE (BaseEnvironment). */
export function failedAuthLimits(settings: { readonly ACCORD_AUTH_FAILURES_PER_MINUTE?: number }): FailedAuthLimits {
  return { ...DEFAULT_FAILED_AUTH_LIMITS, failures: settings.ACCORD_AUTH_FAILURES_PER_MINUTE ?? DEFAULT_FAILED_AUTH_LIMITS.failures };
}

/** The address failures are counted against: the socket's peer (no proxy header is trusted). */
export function clientAddress(request: { socket?: { remoteAddress?: string } }): string {
  return request.socket?.remoteAddress ?? 'unknown';
}
