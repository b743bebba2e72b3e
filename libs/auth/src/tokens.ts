import { createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, jwtVerify, SignJWT, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from 'jose';
import { isRole, type Caller, type Role } from './roles';

/**
 * Accord's bearer tokens: JWTs signed by hub-api with Ed25519 (EdDSA), so any app checks
 * one locally against hub-api's published key set (`GET /.well-known/jwks.json`) with no
 * round trip. Revocation is hub-api's list (`GET /v1/tokens/revocations`), which the
 * verifying apps poll; expiry is in the token.
 */
export const TOKEN_ISSUER = 'accord-hub';
export const TOKEN_AUDIENCE = 'accord';
/** Longest string treated as a token; anything longer is refused before it is parsed. */
export const MAX_TOKEN_LENGTH = 2048;

export interface TokenGrant {
  /** The token's id (JWT `jti`), the row in hub-api's token table. */
  id: string;
  participant: string | null;
  roles: Role[];
  expiresAt: Date;
}

export interface VerifiedToken extends Caller {
  expiresAt: Date;
}

/** Signs tokens with one Ed25519 private key and publishes its public half as a JWK set. */
export class TokenSigner {
  private constructor(
    private readonly privateKey: KeyObject,
    readonly keyId: string,
    private readonly publicJwk: JWK,
  ) {}

  static async create(privateKey: KeyObject): Promise<TokenSigner> {
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the token signing key must be an Ed25519 private key');
    const publicJwk = await exportJWK(createPublicKey(privateKey));
    const keyId = await calculateJwkThumbprint(publicJwk);
    return new TokenSigner(privateKey, keyId, { ...publicJwk, kid: keyId, alg: 'EdDSA', use: 'sig' });
  }

  sign(grant: TokenGrant): Promise<string> {
    return new SignJWT({ roles: grant.roles, participant: grant.participant })
      .setProtectedHeader({ alg: 'EdDSA', kid: this.keyId, typ: 'JWT' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setSubject(grant.participant ?? 'hub')
      .setJti(grant.id)
      .setIssuedAt()
      .setExpirationTime(Math.floor(grant.expiresAt.getTime() / 1000))
      .sign(this.privateKey);
  }

  jwks(): JSONWebKeySet {
    return { keys: [this.publicJwk] };
  }

  /** The verification key, for verifying in the process that signs. */
  publicKey(): KeyObject {
    return createPublicKey(this.privateKey);
  }
}

/**
 * The caller a token names when its signature, issuer, audience and expiry hold and its
 * claims are well formed; null otherwise (never an exception, never the reason: a wrong
 * token learns nothing). Revocation is the caller's check.
 */
export async function verifyToken(token: string, key: KeyObject | JWTVerifyGetKey): Promise<VerifiedToken | null> {
  if (token.length > MAX_TOKEN_LENGTH || token.split('.').length !== 3) return null;
  try {
    const { payload } = await jwtVerify(token, key as KeyObject, {
      algorithms: ['EdDSA'],
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      // No clock tolerance: an expired token is refused to the second (hub-api's revocation
      // list drops a token once it expires, so a revoked token must not outlive its expiry).
      requiredClaims: ['jti', 'exp', 'iat'],
    });
    const { jti, exp, roles, participant } = payload;
    if (typeof jti !== 'string' || typeof exp !== 'number') return null;
    if (!Array.isArray(roles) || roles.length === 0 || !roles.every(isRole)) return null;
    if (participant !== null && typeof participant !== 'string') return null;
    return { tokenId: jti, participant, roles, expiresAt: new Date(exp * 1000) };
  } catch {
    return null;
  }
}
