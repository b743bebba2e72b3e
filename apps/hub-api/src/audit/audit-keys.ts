import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { registerDecorator, type ValidationOptions } from 'class-validator';
import {
  keyIdOf,
  loadPublicKey,
  loadSigningKey,
  publicKeyPem,
} from '@accord/audit-chain';
import type { AuditPurge } from '@accord/persistence';
import { developmentSigningKey } from '../development-keys';

/** The keys of the audit log: one signs new checkpoints; all of `verificationKeys` are trusted when verifying. */
export interface AuditKeys {
  signingKey: KeyObject;
  keyId: string;
  publicKeyPem: string;
  /** The signing key's public half first, then the configured (e.g. rotated-out) trusted keys. */
  verificationKeys: KeyObject[];
  trustedKeys: Array<{ keyId: string; publicKeyPem: string }>;
  /** True when the key is the development key from `AUDIT_DEVELOPMENT_KEY_FILE`. */
  development: boolean;
}

export interface AuditKeySettings {
  AUDIT_SIGNING_KEY: string;
  AUDIT_TRUSTED_PUBLIC_KEYS: string;
  AUDIT_DEVELOPMENT_KEY_FILE: string;
  NODE_ENV?: string;
}

/** `AUDIT_TRUSTED_PUBLIC_KEYS`: comma-separated SPKI PEMs (with `\n` escapes) or base64. PEM and base64 hold no commas. */
export function trustedKeyList(setting: string): string[] {
  return setting
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/**
 * The signing key: `AUDIT_SIGNING_KEY` when set. Otherwise, outside production, a
 * development key kept in `AUDIT_DEVELOPMENT_KEY_FILE` (created on first use, mode 0600),
 * so that checkpoints still verify after a restart of `npm start`. Never in production:
 * the environment validation refuses to start without `AUDIT_SIGNING_KEY` there.
 */
export function resolveAuditKeys(settings: AuditKeySettings): AuditKeys {
  let signingKey: KeyObject;
  let development = false;
  if (settings.AUDIT_SIGNING_KEY) {
    signingKey = loadSigningKey(settings.AUDIT_SIGNING_KEY);
  } else {
    if (settings.NODE_ENV === 'production') throw new Error('AUDIT_SIGNING_KEY must be set in production');
    signingKey = developmentSigningKey(settings.AUDIT_DEVELOPMENT_KEY_FILE);
    development = true;
  }
  const trusted = trustedKeyList(settings.AUDIT_TRUSTED_PUBLIC_KEYS).map(loadPublicKey);
  const own = createPublicKey(signingKey);
  return {
    signingKey,
    keyId: keyIdOf(signingKey),
    publicKeyPem: publicKeyPem(signingKey),
    verificationKeys: [own, ...trusted],
    trustedKeys: trusted.map((key) => ({ keyId: keyIdOf(key), publicKeyPem: publicKeyPem(key) })),
    development,
  };
}

/**
 * Keys that may have signed checkpoints, for a verifier that does not sign (`npm run
 * audit:verify`): the public half of `AUDIT_SIGNING_KEY`, the trusted keys, and — when no
 * key is configured at all — the development key file if it exists.
 */
export function verificationKeysFrom(settings: AuditKeySettings, extraPublicKeys: readonly string[] = []): KeyObject[] {
  const keys: KeyObject[] = [];
  if (settings.AUDIT_SIGNING_KEY) keys.push(createPublicKey(loadSigningKey(settings.AUDIT_SIGNING_KEY)));
  for (const key of [...trustedKeyList(settings.AUDIT_TRUSTED_PUBLIC_KEYS), ...extraPublicKeys]) keys.push(loadPublicKey(key));
  if (keys.length === 0 && settings.AUDIT_DEVELOPMENT_KEY_FILE) {
    try {
      keys.push(createPublicKey(loadSigningKey(readFileSync(resolve(settings.AUDIT_DEVELOPMENT_KEY_FILE), 'utf8'))));
    } catch {
      // no development key either: the caller reports that there is nothing to verify with
    }
  }
  return keys;
}

/**
 * The exact bytes a purge record's signature covers (UTF-8, all ASCII), like a
 * checkpoint's: a forged purge record (rows deleted by someone without the key, then
 * declared "retention") fails verification.
 */
export function purgeSigningInput(purge: Omit<AuditPurge, 'signature'>): string {
  return (
    'accord-audit-purge/v1\n' +
    `throughSeq=${purge.throughSeq}\n` +
    `hash=${purge.hash}\n` +
    `decidedBefore=${purge.decidedBefore}\n` +
    `purgedAt=${purge.purgedAt}\n` +
    `keyId=${purge.keyId}\n`
  );
}

export function signPurge(purge: Omit<AuditPurge, 'signature' | 'keyId'>, keys: Pick<AuditKeys, 'signingKey' | 'keyId'>): AuditPurge {
  const unsigned = { ...purge, keyId: keys.keyId };
  const signature = sign(null, Buffer.from(purgeSigningInput(unsigned), 'utf8'), keys.signingKey).toString('base64');
  return { ...unsigned, signature };
}

export function verifyPurge(purge: AuditPurge, publicKeys: readonly KeyObject[]): boolean {
  const signature = Buffer.from(purge.signature, 'base64');
  if (signature.length !== 64) return false;
  const input = Buffer.from(purgeSigningInput(purge), 'utf8');
  return publicKeys.some((key) => {
    try {
      return verify(null, input, key, signature);
    } catch {
      return false;
    }
  });
}

/** `AUDIT_TRUSTED_PUBLIC_KEYS`: a comma-separated list of Ed25519 public keys (SPKI PEM or base64). */
export function IsAuditPublicKeyList(options?: ValidationOptions) {
  return function (target: object, propertyName: string): void {
    registerDecorator({
      name: 'isAuditPublicKeyList',
      target: target.constructor,
      propertyName,
      options: {
        message: 'AUDIT_TRUSTED_PUBLIC_KEYS must be a comma-separated list of Ed25519 public keys (SPKI PEM with \\n escapes, or base64)',
        ...options,
      },
      validator: {
        validate(value: unknown): boolean {
          if (value === undefined || value === null || value === '') return true;
          if (typeof value !== 'string') return false;
          try {
            trustedKeyList(value).forEach(loadPublicKey);
            return true;
          } catch {
            return false;
          }
        },
      },
    });
  };
}
