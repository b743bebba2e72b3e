import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import { AuthUnavailable, readBoundedText, RevocationFeed, verifyToken, type VerifiedToken } from '@accord/auth';
import { createLogger } from '@accord/platform';
import { DOMAIN_SERVICE_OPTIONS, type DomainServiceOptions } from '../options';

/** One fetch of hub-api's key set. */
const JWKS_TIMEOUT_MS = 2_000;
/** Largest key set read; hub-api's holds one or two keys. */
const MAX_JWKS_BYTES = 64 * 1024;
/** Key errors that are the token's fault (a `kid` the hub does not publish); any other means the keys could not be read. */
const TOKEN_KEY_ERRORS = new Set(['ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS']);

/** `path` under hub-api's base URL, keeping any path prefix the base has. */
export function hubEndpoint(hubUrl: string, path: string): string {
  return `${hubUrl.replace(/\/+$/, '')}${path}`;
}

/**
 * Checks hub-api's bearer tokens here, with no round trip per request: the signature
 * against hub-api's published keys (jose caches them and refetches on an unknown `kid`, at
 * most every 30 s), the expiry on this clock, and revocation against the list the feed
 * reads about once a second. When either cannot be read the check fails closed:
 * AuthUnavailable (503), never a decision on stale knowledge.
 */
@Injectable()
export class HubTokens implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly keys: JWTVerifyGetKey;
  private readonly revocations: RevocationFeed;

  constructor(@Inject(DOMAIN_SERVICE_OPTIONS) options: DomainServiceOptions) {
    this.keys = createRemoteJWKSet(new URL(hubEndpoint(options.hubUrl, '/.well-known/jwks.json')), {
      timeoutDuration: JWKS_TIMEOUT_MS,
      [customFetch]: async (url: string, init: RequestInit) => {
        const response = await fetch(url, init);
        return new Response(await readBoundedText(response, MAX_JWKS_BYTES), { status: response.status, headers: response.headers });
      },
    });
    this.revocations = new RevocationFeed({
      url: hubEndpoint(options.hubUrl, '/v1/tokens/revocations'),
      logger: createLogger(`${options.service}-auth`, options.logLevel),
    });
  }

  /** Reads the first revocation list before the service answers (waiting at most its timeout; unreachable: 503s until it is). */
  async onApplicationBootstrap(): Promise<void> {
    await this.revocations.start();
  }

  onModuleDestroy(): void {
    this.revocations.stop();
  }

  /**
   * The token's caller when it is signed by hub-api, unexpired and not revoked; null
   * otherwise (the caller is told no reason). Throws AuthUnavailable when that cannot be
   * known: the revocation list is over 5 s old, or the keys cannot be read.
   */
  async authenticate(token: string): Promise<VerifiedToken | null> {
    // First, so that an outage answers 503 at once rather than after a key fetch's timeout.
    this.revocations.assertCurrent();
    let keysUnreadable = false;
    const key: JWTVerifyGetKey = async (header, input) => {
      try {
        return await this.keys(header, input);
      } catch (error) {
        if (!TOKEN_KEY_ERRORS.has((error as { code?: string }).code ?? '')) keysUnreadable = true;
        throw error;
      }
    };
    const verified = await verifyToken(token, key);
    if (!verified) {
      if (keysUnreadable) throw new AuthUnavailable();
      return null;
    }
    if (this.revocations.isRevoked(verified.tokenId)) return null;
    return verified;
  }
}
