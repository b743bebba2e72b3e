// What every app relies on when it checks a bearer token locally: a token hub-api signed
// names its caller; anything else (another key, an edited payload, `alg: none`, expired,
// oversized, malformed claims) is null, never an exception.
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { ROLES } from './roles';
import { MAX_TOKEN_LENGTH, TOKEN_AUDIENCE, TOKEN_ISSUER, TokenSigner, verifyToken, type TokenGrant } from './tokens';

const HOUR_MS = 3_600_000;

function ed25519(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

function grant(overrides: Partial<TokenGrant> = {}): TokenGrant {
  return { id: randomUUID(), participant: 'testorg.adult-social-care', roles: ['reader'], expiresAt: new Date(Date.now() + HOUR_MS), ...overrides };
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A token signed by `privateKey` with these claims, bypassing TokenSigner's choices. */
function signClaims(privateKey: KeyObject, claims: Record<string, unknown>, options: { issuer?: string; audience?: string; expiresAt?: number; jti?: string | null } = {}) {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA' })
    .setIssuer(options.issuer ?? TOKEN_ISSUER)
    .setAudience(options.audience ?? TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresAt ?? Math.floor(Date.now() / 1000) + 3600);
  if (options.jti !== null) jwt.setJti(options.jti ?? randomUUID());
  return jwt.sign(privateKey);
}

describe('bearer tokens (Ed25519 JWTs)', () => {
  const { privateKey, publicKey } = ed25519();
  let signer: TokenSigner;

  beforeAll(async () => {
    signer = await TokenSigner.create(privateKey);
  });

  it('names the caller a signed token was issued to, with its expiry to the second', async () => {
    const issued = grant({ roles: ['publisher', 'reader'] });
    const verified = await verifyToken(await signer.sign(issued), publicKey);
    expect(verified).toEqual({ tokenId: issued.id, participant: issued.participant, roles: ['publisher', 'reader'], expiresAt: expect.any(Date) });
    expect(Math.abs(verified!.expiresAt.getTime() - issued.expiresAt.getTime())).toBeLessThan(1000);

    const hubToken = await verifyToken(await signer.sign(grant({ participant: null, roles: ['admin'] })), publicKey);
    expect(hubToken).toMatchObject({ participant: null, roles: ['admin'] });
  });

  it('carries only the grant: roles, participant and the registered claims, and no secret', async () => {
    const issued = grant();
    const token = await signer.sign(issued);
    expect(token.split('.')).toHaveLength(3);
    expect(Object.keys(decodeJwt(token)).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'participant', 'roles', 'sub']);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', kid: signer.keyId, typ: 'JWT' });
  });

  it('verifies against the published key set, which holds the public key only', async () => {
    const keys = signer.jwks();
    expect(keys.keys).toHaveLength(1);
    expect(keys.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid: signer.keyId });
    expect(keys.keys[0]).not.toHaveProperty('d');

    const issued = grant();
    expect(await verifyToken(await signer.sign(issued), createLocalJWKSet(keys))).toMatchObject({ tokenId: issued.id });
    // A token from another key finds no key in the set: null, not an exception.
    const other = await TokenSigner.create(ed25519().privateKey);
    expect(await verifyToken(await other.sign(grant()), createLocalJWKSet(keys))).toBeNull();
  });

  it('refuses a token signed by another key', async () => {
    const other = await TokenSigner.create(ed25519().privateKey);
    expect(await verifyToken(await other.sign(grant()), publicKey)).toBeNull();
  });

  it('refuses a token whose payload was edited (roles raised), keeping the original signature', async () => {
    const token = await signer.sign(grant({ roles: ['reader'] }));
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${header}.${base64url({ ...claims, roles: ['admin'] })}.${signature}`;
    expect(await verifyToken(tampered, publicKey)).toBeNull();
  });

  it('refuses an unsigned token (alg none) and one signed with HS256 over the public key', async () => {
    const claims = { iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, jti: randomUUID(), roles: ['admin'], participant: null, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 3600 };
    expect(await verifyToken(`${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`, publicKey)).toBeNull();
    // Algorithm confusion: the public key's bytes used as an HMAC secret.
    const secret = publicKey.export({ format: 'der', type: 'spki' });
    const hmac = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new Uint8Array(secret));
    expect(await verifyToken(hmac, publicKey)).toBeNull();
  });

  it('refuses a token for another issuer or audience, or without an id', async () => {
    const claims = { roles: ['admin'], participant: null };
    expect(await verifyToken(await signClaims(privateKey, claims), publicKey)).not.toBeNull();
    expect(await verifyToken(await signClaims(privateKey, claims, { issuer: 'someone-else' }), publicKey)).toBeNull();
    expect(await verifyToken(await signClaims(privateKey, claims, { audience: 'another-system' }), publicKey)).toBeNull();
    expect(await verifyToken(await signClaims(privateKey, claims, { jti: null }), publicKey)).toBeNull();
  });

  it('refuses a token from the second it expires: a revoked token leaves the revocation list then', async () => {
    const now = Date.now();
    expect(await verifyToken(await signer.sign(grant({ expiresAt: new Date(now - 1_000) })), publicKey)).toBeNull();
    expect(await verifyToken(await signer.sign(grant({ expiresAt: new Date(now - HOUR_MS) })), publicKey)).toBeNull();
    expect(await verifyToken(await signer.sign(grant({ expiresAt: new Date(now + 5_000) })), publicKey)).not.toBeNull();
  });

  it(`refuses a token longer than ${MAX_TOKEN_LENGTH} characters, even one signed by the key, without parsing it`, async () => {
    const signed = await signer.sign(grant({ participant: `org.${'x'.repeat(MAX_TOKEN_LENGTH)}` }));
    expect(signed.length).toBeGreaterThan(MAX_TOKEN_LENGTH);
    expect(await verifyToken(signed, publicKey)).toBeNull();
    const long = `${base64url({ alg: 'EdDSA' })}.${'A'.repeat(100_000)}.${'B'.repeat(86)}`;
    const started = performance.now();
    for (let i = 0; i < 1000; i += 1) expect(await verifyToken(long, publicKey)).toBeNull();
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('accepts a signed token exactly when its roles are known and non-empty and its participant is null or text', async () => {
    const role = fc.oneof(fc.constantFrom(...ROLES), fc.constantFrom('wizard', 'ADMIN', ''), fc.integer(), fc.constant(null));
    const roles = fc.oneof(fc.array(role, { maxLength: 4 }), fc.constantFrom('admin', null, 7, { admin: true }), fc.constant(undefined));
    const participant = fc.oneof(fc.constant(null), fc.constant(undefined), fc.string({ maxLength: 20 }), fc.integer(), fc.constant(['a.b']));
    await fc.assert(
      fc.asyncProperty(roles, participant, async (roles, participant) => {
        const token = await signClaims(privateKey, { roles, participant });
        const expected =
          Array.isArray(roles) && roles.length > 0 && roles.every((item) => (ROLES as readonly unknown[]).includes(item)) && (participant === null || typeof participant === 'string');
        const verified = await verifyToken(token, publicKey);
        expect(verified !== null).toBe(expected);
        if (verified) expect(verified).toMatchObject({ roles, participant });
      }),
      { numRuns: 200 },
    );
  });

  it('answers null, never throws, for arbitrary text and arbitrary three-part tokens', async () => {
    const segment = fc.oneof(fc.string({ maxLength: 40 }), fc.base64String({ maxLength: 60 }), fc.json().map((json) => Buffer.from(json).toString('base64url')));
    const text = fc.oneof(fc.string({ maxLength: 300 }), fc.tuple(segment, segment, segment).map((parts) => parts.join('.')));
    await fc.assert(
      fc.asyncProperty(text, async (token) => {
        expect(await verifyToken(token, publicKey)).toBeNull();
      }),
      { numRuns: 500 },
    );
  });

  it('signs only with an Ed25519 key', async () => {
    const { privateKey: ecKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await expect(TokenSigner.create(ecKey)).rejects.toThrow('the token signing key must be an Ed25519 private key');
  });
});
