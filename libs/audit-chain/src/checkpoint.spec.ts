import { sign } from 'node:crypto';
import fc from 'fast-check';
import {
  AuditChainError,
  checkpointSigningInput,
  generateDevelopmentKeyPair,
  keyIdOf,
  signCheckpoint,
  verifyCheckpoint,
  type Checkpoint,
} from '.';

const keys = generateDevelopmentKeyPair();
const otherKeys = generateDevelopmentKeyPair();

const sealArbitrary = fc.record({
  seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  hash: fc.stringMatching(/^[0-9a-f]{64}$/),
  signedAt: fc
    .date({ min: new Date('2000-01-01T00:00:00.000Z'), max: new Date('2099-12-31T00:00:00.000Z'), noInvalidDate: true })
    .map((date) => date.toISOString()),
});

describe('checkpoints', () => {
  it('signs the documented text, so openssl can verify it', () => {
    const checkpoint = signCheckpoint({ seq: 42, hash: 'a'.repeat(64), signedAt: new Date('2026-04-01T12:00:00Z') }, keys.privateKeyPem);
    expect(checkpoint).toMatchObject({ seq: 42, signedAt: '2026-04-01T12:00:00.000Z', keyId: keys.keyId });
    const text = `accord-audit-checkpoint/v1\nseq=42\nhash=${'a'.repeat(64)}\nsignedAt=2026-04-01T12:00:00.000Z\nkeyId=${keys.keyId}\n`;
    expect(checkpointSigningInput(checkpoint)).toBe(text);
    // Ed25519 is deterministic: the same key and text give the same signature.
    expect(checkpoint.signature).toBe(sign(null, Buffer.from(text), keys.privateKey).toString('base64'));
  });

  it('uses a given keyId and refuses a malformed seal', () => {
    const seal = { seq: 1, hash: 'b'.repeat(64), signedAt: '2026-04-01T12:00:00.000Z' };
    expect(signCheckpoint(seal, keys.privateKey, '2026-04').keyId).toBe('2026-04');
    expect(verifyCheckpoint(signCheckpoint(seal, keys.privateKey, '2026-04'), keys.publicKey)).toBe(true);
    for (const bad of [{ ...seal, seq: 0 }, { ...seal, hash: 'B'.repeat(64) }, { ...seal, signedAt: '2026-04-01' }]) {
      expect(() => signCheckpoint(bad, keys.privateKey)).toThrow(AuditChainError);
    }
    expect(() => signCheckpoint(seal, keys.privateKey, 'two\nlines')).toThrow(AuditChainError);
  });

  it('property: a checkpoint verifies with its key (object or PEM) and not with another key', () => {
    fc.assert(
      fc.property(sealArbitrary, (seal) => {
        const checkpoint = signCheckpoint(seal, keys.privateKey);
        expect(verifyCheckpoint(checkpoint, keys.publicKey)).toBe(true);
        expect(verifyCheckpoint(checkpoint, keys.publicKeyPem)).toBe(true);
        expect(verifyCheckpoint(checkpoint, otherKeys.publicKey)).toBe(false);
      }),
    );
  });

  it('property: changing any field of a checkpoint makes it fail', () => {
    const fields = ['seq', 'hash', 'signedAt', 'signature', 'keyId'] as const;
    fc.assert(
      fc.property(sealArbitrary, fc.constantFrom(...fields), fc.anything(), sealArbitrary, (seal, field, anything, other) => {
        const checkpoint = signCheckpoint(seal, keys.privateKey);
        const replacement: Record<(typeof fields)[number], unknown[]> = {
          seq: [other.seq, checkpoint.seq + 1, String(checkpoint.seq), anything],
          hash: [other.hash, checkpoint.hash.toUpperCase(), anything],
          signedAt: [other.signedAt, anything],
          signature: [signCheckpoint(other, keys.privateKey).signature, checkpoint.signature.replace(/==$/, ''), anything],
          keyId: [otherKeys.keyId, keyIdOf(otherKeys.publicKey), anything],
        };
        for (const value of replacement[field]) {
          if (Object.is(value, checkpoint[field])) continue;
          const tampered = { ...checkpoint, [field]: value } as Checkpoint;
          expect(verifyCheckpoint(tampered, keys.publicKey)).toBe(false);
        }
      }),
    );
  });

  it('only accepts the canonical base64 spelling of the signature', () => {
    const checkpoint = signCheckpoint({ seq: 7, hash: 'c'.repeat(64), signedAt: '2026-04-01T12:00:00.000Z' }, keys.privateKey);
    const bytes = Buffer.from(checkpoint.signature, 'base64');
    // The last base64 digit before the padding carries 4 unused bits: flip one, same bytes.
    const lastDigit = checkpoint.signature.length - 3;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const flipped = alphabet[alphabet.indexOf(checkpoint.signature[lastDigit]!) ^ 1]!;
    const respelled = checkpoint.signature.slice(0, lastDigit) + flipped + checkpoint.signature.slice(lastDigit + 1);
    expect(Buffer.from(respelled, 'base64').equals(bytes)).toBe(true);
    expect(verifyCheckpoint({ ...checkpoint, signature: respelled }, keys.publicKey)).toBe(false);
  });
});
