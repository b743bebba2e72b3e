import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { AuditChainError, AuditChainErrorCode } from './errors';

/** A key as a KeyObject or as PEM text. */
export type KeyInput = KeyObject | string;

const PEM_HEADER = /-----BEGIN [A-Z0-9 ]+-----/;

/**
 * Reads the checkpoint signing key from a setting: a PKCS#8 PEM (literal `\n` escapes, as
 * in a one-line env var, are accepted), or base64 of that PEM, or base64 of the PKCS#8
 * DER. It must be an Ed25519 key. On failure throws `AuditKeyInvalid` with a message
 * that never contains the setting.
 */
export function loadSigningKey(setting: string, what = 'audit signing key'): KeyObject {
  const key = parseKey(setting, 'private', what);
  if (key.asymmetricKeyType !== 'ed25519') {
    throw keyInvalid(`the ${what} must be an Ed25519 private key (openssl genpkey -algorithm ed25519)`);
  }
  return key;
}

/** Reads a checkpoint verification key: SPKI PEM, base64 of it, or base64 of the SPKI DER. Ed25519 only. */
export function loadPublicKey(setting: string): KeyObject {
  const key = parseKey(setting, 'public', 'audit verification key');
  if (key.asymmetricKeyType !== 'ed25519') throw keyInvalid('the audit verification key must be an Ed25519 public key');
  return key;
}

function parseKey(setting: string, kind: 'private' | 'public', what: string): KeyObject {
  if (typeof setting !== 'string' || setting.trim() === '') throw keyInvalid(`the ${what} is empty`);
  const text = setting.trim().replace(/\\n/g, '\n');
  try {
    if (PEM_HEADER.test(text)) return fromPem(text, kind);
    if (!/^[A-Za-z0-9+/=\s_-]+$/.test(text)) throw new Error('not base64');
    const bytes = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
    const decoded = bytes.toString('utf8');
    if (PEM_HEADER.test(decoded)) return fromPem(decoded, kind);
    return kind === 'private'
      ? createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8' })
      : createPublicKey({ key: bytes, format: 'der', type: 'spki' });
  } catch {
    // The underlying error is dropped on purpose: it is not needed and must never risk echoing key material.
    throw keyInvalid(
      kind === 'private'
        ? `the ${what} is not a PKCS#8 PEM, nor base64 of a PKCS#8 PEM or DER`
        : `the ${what} is not an SPKI PEM, nor base64 of an SPKI PEM or DER`,
    );
  }
}

function fromPem(pem: string, kind: 'private' | 'public'): KeyObject {
  if (kind === 'private') return createPrivateKey({ key: pem, format: 'pem' });
  // A private key PEM is accepted where a public key is wanted: its public half is derived.
  return createPublicKey({ key: pem, format: 'pem' });
}

function keyInvalid(message: string): AuditChainError {
  return new AuditChainError(AuditChainErrorCode.KeyInvalid, message);
}

/** A private KeyObject from a KeyObject or PEM/base64 text (internal; not in the public surface). */
export function asPrivateKey(key: KeyInput): KeyObject {
  if (typeof key !== 'string') return key;
  return loadSigningKey(key);
}

/** A public KeyObject from a public or private key, as KeyObject or text (internal). */
export function asPublicKey(key: KeyInput): KeyObject {
  if (typeof key !== 'string') return key.type === 'private' ? createPublicKey(key) : key;
  return loadPublicKey(key);
}

/** The SPKI PEM of a key's public half (pass a private or a public key). */
export function publicKeyPem(key: KeyInput): string {
  return asPublicKey(key).export({ format: 'pem', type: 'spki' }).toString();
}

/**
 * A short stable id for a key: the first 16 hex digits of SHA-256 over the DER SPKI of
 * its public half — `openssl pkey -pubin -in audit-public.pem -outform DER | sha256sum | cut -c1-16`.
 */
export function keyIdOf(key: KeyInput): string {
  const der = asPublicKey(key).export({ format: 'der', type: 'spki' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

export interface DevelopmentKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** PKCS#8 PEM, loadable with `loadSigningKey`. */
  privateKeyPem: string;
  publicKeyPem: string;
  keyId: string;
}

/** A fresh Ed25519 pair for `npm start` and tests. Never for production: nothing persists it. */
export function generateDevelopmentKeyPair(): DevelopmentKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey,
    publicKey,
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}
