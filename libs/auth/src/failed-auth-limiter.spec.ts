// The failed-authentication limit as a client meets it: its failures are answered as
// usual up to the limit, then every request from its address is refused with 429 and a
// Retry-After until the block ends; other addresses are unaffected.
import { setTimeout as sleep } from 'node:timers/promises';
import { clientAddress, DEFAULT_FAILED_AUTH_LIMITS, FailedAuthLimiter, failedAuthLimits, TooManyFailedAuthentications } from './failed-auth-limiter';

/** The error `work` throws, or undefined. */
async function thrownBy(work: () => Promise<void>): Promise<unknown> {
  try {
    await work();
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('FailedAuthLimiter', () => {
  it('lets an address fail up to the limit, then refuses it with 429 and Retry-After, whatever it sends next', async () => {
    const limiter = new FailedAuthLimiter({ failures: 3, windowSeconds: 60, blockSeconds: 60 });
    for (let i = 0; i < 3; i += 1) {
      await expect(limiter.check('10.0.0.1')).resolves.toBeUndefined();
      await expect(limiter.failed('10.0.0.1')).resolves.toBeUndefined();
    }
    const over = await thrownBy(() => limiter.failed('10.0.0.1'));
    expect(over).toBeInstanceOf(TooManyFailedAuthentications);
    expect(over).toMatchObject({ code: 'too-many-failed-authentications', status: 429, headers: { 'Retry-After': '60' } });

    // Blocked: check refuses before any token is looked at, and keeps refusing.
    for (let i = 0; i < 5; i += 1) {
      const refused = await thrownBy(() => limiter.check('10.0.0.1'));
      expect(refused).toBeInstanceOf(TooManyFailedAuthentications);
      expect(Number((refused as TooManyFailedAuthentications).headers!['Retry-After'])).toBeGreaterThanOrEqual(59);
    }
    // Another address has its own count.
    await expect(limiter.check('10.0.0.2')).resolves.toBeUndefined();
    await expect(limiter.failed('10.0.0.2')).resolves.toBeUndefined();
  });

  it('counts exactly the limit when failures arrive at once', async () => {
    const limiter = new FailedAuthLimiter({ failures: 10, windowSeconds: 60, blockSeconds: 60 });
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => thrownBy(() => limiter.failed('10.0.0.3'))));
    expect(outcomes.filter((outcome) => outcome === undefined)).toHaveLength(10);
    expect(outcomes.filter((outcome) => outcome instanceof TooManyFailedAuthentications)).toHaveLength(40);
  });

  it('forgets failures when the window ends, and lets a blocked address in again when the block ends', async () => {
    const limiter = new FailedAuthLimiter({ failures: 2, windowSeconds: 1, blockSeconds: 1 });
    await limiter.failed('10.0.0.4');
    await limiter.failed('10.0.0.4');
    await expect(limiter.failed('10.0.0.4')).rejects.toMatchObject({ headers: { 'Retry-After': '1' } });
    await expect(limiter.check('10.0.0.4')).rejects.toBeInstanceOf(TooManyFailedAuthentications);
    await sleep(1100);
    await expect(limiter.check('10.0.0.4')).resolves.toBeUndefined();
    await expect(limiter.failed('10.0.0.4')).resolves.toBeUndefined();
  });

  it('never names the address or a token in its message', async () => {
    const limiter = new FailedAuthLimiter({ failures: 1, windowSeconds: 60, blockSeconds: 60 });
    await limiter.failed('192.0.2.77');
    const error = (await thrownBy(() => limiter.failed('192.0.2.77'))) as Error;
    expect(error.message).toBe('Too many failed authentications from this address; retry after 60 s');
  });
});

describe('failedAuthLimits', () => {
  it('reads ACCORD_AUTH_FAILURES_PER_MINUTE, 30 a minute when unset, blocking for a minute', () => {
    expect(failedAuthLimits({})).toEqual({ failures: 30, windowSeconds: 60, blockSeconds: 60 });
    expect(failedAuthLimits({ ACCORD_AUTH_FAILURES_PER_MINUTE: 100_000 })).toEqual({ ...DEFAULT_FAILED_AUTH_LIMITS, failures: 100_000 });
  });
});

describe('clientAddress', () => {
  it('is the socket peer, whatever forwarding header the client sends', () => {
    expect(clientAddress({ socket: { remoteAddress: '::ffff:127.0.0.1' }, headers: { 'x-forwarded-for': '203.0.113.9' } } as never)).toBe('::ffff:127.0.0.1');
    expect(clientAddress({})).toBe('unknown');
  });
});
