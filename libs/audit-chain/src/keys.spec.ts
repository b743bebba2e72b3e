import { generateKeyPairSync } from 'node:crypto';
import {
  AuditChainError,
  generateDevelopmentKeyPair,
  keyIdOf,
  loadPublicKey,
  loadSigningKey,
  publicKeyPem,
  signCheckpoint,
  verifyCheckpoint,
} from '.';

const pair = generateDevelopmentKeyPair();
const seal = { seq: 3, hash: 'd'.repeat(64), signedAt: '2026-04-01T12:00:00.000Z' };

describe('keys', () => {
  const der = pair.privateKey.export({ format: 'der', type: 'pkcs8' });
  it.each([
    ['a PKCS#8 PEM', pair.privateKeyPem],
    ['a one-line PEM with \\n escapes', pair.privateKeyPem.trim().replace(/\n/g, '\\n')],
    ['base64 of the PEM', Buffer.from(pair.privateKeyPem).toString('base64')],
    ['base64 of the DER', der.toString('base64')],
    ['base64url of the DER', der.toString('base64url')],
  ])('loads the signing key from %s', (_form, setting) => {
    const key = loadSigningKey(setting);
    expect(keyIdOf(key)).toBe(pair.keyId);
    expect(verifyCheckpoint(signCheckpoint(seal, key), pair.publicKey)).toBe(true);
  });

  it.each([
    ['empty', '   '],
    ['garbage', 'definitely not a key!'],
    ['base64 of nothing useful', Buffer.from('hello world').toString('base64')],
    ['a PEM with a broken body', pair.privateKeyPem.replace(/\n[A-Za-z0-9+/]{8}/, '\nAAAAAAAA')],
  ])('refuses a %s setting without echoing it', (_form, setting) => {
    let caught: unknown;
    try {
      loadSigningKey(setting);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AuditChainError);
    const message = (caught as Error).message;
    expect(message).toMatch(/audit signing key/);
    if (setting.trim().length > 0) expect(message).not.toContain(setting.trim().slice(0, 12));
    expect(message).not.toContain('PRIVATE KEY');
  });

  it('refuses a key of another algorithm', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => loadSigningKey(rsa)).toThrow(/Ed25519/);
  });

  it('derives the public PEM and a stable 16-hex key id from either half', () => {
    expect(publicKeyPem(pair.privateKey)).toBe(pair.publicKeyPem);
    expect(publicKeyPem(pair.privateKeyPem)).toBe(pair.publicKeyPem);
    expect(keyIdOf(pair.privateKey)).toBe(keyIdOf(pair.publicKeyPem));
    expect(pair.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(keyIdOf(loadPublicKey(Buffer.from(pair.publicKeyPem).toString('base64')))).toBe(pair.keyId);
  });
});
