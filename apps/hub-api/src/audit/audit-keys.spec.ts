import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDevelopmentKeyPair } from '@accord/audit-chain';
import { ConfigurationError, loadEnvironment } from '@accord/platform';
import { HubApiEnvironment } from '../environment';
import { resolveAuditKeys, signPurge, verificationKeysFrom, verifyPurge } from './audit-keys';

const settings = (overrides: Record<string, string> = {}) => ({
  AUDIT_SIGNING_KEY: '',
  AUDIT_TRUSTED_PUBLIC_KEYS: '',
  AUDIT_DEVELOPMENT_KEY_FILE: join(mkdtempSync(join(tmpdir(), 'accord-audit-')), 'nested', 'key.pem'),
  ...overrides,
});

describe('audit keys', () => {
  it('refuses to start in production without AUDIT_SIGNING_KEY, and never echoes a malformed key', () => {
    expect(() => loadEnvironment(HubApiEnvironment, { NODE_ENV: 'production' })).toThrow(/AUDIT_SIGNING_KEY must be set in production/);
    try {
      loadEnvironment(HubApiEnvironment, { AUDIT_SIGNING_KEY: 'not-a-key-SECRETVALUE' });
      throw new Error('expected a configuration error');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toContain('AUDIT_SIGNING_KEY must be an Ed25519 private key');
      expect((error as Error).message).not.toContain('SECRETVALUE');
    }
    const production = loadEnvironment(HubApiEnvironment, {
      NODE_ENV: 'production',
      ACCORD_ADMIN_TOKEN: 'production-admin-token-0123456789abcdef', ACCORD_SUBJECT_KEY_SECRET: 'production-subject-key-secret-0123456789', KAFKA_TLS_DIR: '/run/secrets/kafka', 
      AUDIT_SIGNING_KEY: generateDevelopmentKeyPair().privateKeyPem,
      ACCORD_TOKEN_SIGNING_KEY: generateDevelopmentKeyPair().privateKeyPem,
      ACCORD_CA_CERT_FILE: '/run/secrets/accord-ca.crt',
      ACCORD_CA_KEY_FILE: '/run/secrets/accord-ca.key',
    });
    expect(production.AUDIT_CHECKPOINT_INTERVAL_SECONDS).toBe(300);
    expect(() => loadEnvironment(HubApiEnvironment, { AUDIT_RETENTION_DAYS: '-1', AUDIT_TRUSTED_PUBLIC_KEYS: 'nope' })).toThrow(
      /AUDIT_RETENTION_DAYS.*AUDIT_TRUSTED_PUBLIC_KEYS|AUDIT_TRUSTED_PUBLIC_KEYS.*AUDIT_RETENTION_DAYS/,
    );
  });

  it('keeps a development key in a private file, the same one on every start, and the verifier finds it', () => {
    const development = settings();
    const first = resolveAuditKeys(development);
    const second = resolveAuditKeys(development);
    expect(first.development).toBe(true);
    expect(second.keyId).toBe(first.keyId);
    expect(statSync(development.AUDIT_DEVELOPMENT_KEY_FILE).mode & 0o777).toBe(0o600);
    expect(readFileSync(development.AUDIT_DEVELOPMENT_KEY_FILE, 'utf8')).toContain('PRIVATE KEY');
    expect(verificationKeysFrom(development).map((key) => key.export({ format: 'pem', type: 'spki' }))).toEqual([first.publicKeyPem]);
    expect(() => resolveAuditKeys({ ...development, NODE_ENV: 'production' })).toThrow(/production/);
  });

  it('uses a configured key and trusts rotated-out ones, one-line PEM escapes included', () => {
    const current = generateDevelopmentKeyPair();
    const old = generateDevelopmentKeyPair();
    const keys = resolveAuditKeys(
      settings({ AUDIT_SIGNING_KEY: current.privateKeyPem.replace(/\n/g, '\\n'), AUDIT_TRUSTED_PUBLIC_KEYS: old.publicKeyPem.replace(/\n/g, '\\n') }),
    );
    expect(keys).toMatchObject({ keyId: current.keyId, development: false, trustedKeys: [{ keyId: old.keyId }] });
    expect(keys.verificationKeys).toHaveLength(2);
  });

  it('signs purge records so that a forged or edited one fails', () => {
    const keys = resolveAuditKeys(settings({ AUDIT_SIGNING_KEY: generateDevelopmentKeyPair().privateKeyPem }));
    const purge = signPurge(
      { throughSeq: 10, hash: 'a'.repeat(64), decidedBefore: '2026-05-01T00:00:00.000Z', purgedAt: '2026-06-01T00:00:00.000Z' },
      keys,
    );
    expect(verifyPurge(purge, keys.verificationKeys)).toBe(true);
    expect(verifyPurge({ ...purge, throughSeq: 11 }, keys.verificationKeys)).toBe(false);
    expect(verifyPurge(purge, [generateDevelopmentKeyPair().publicKey])).toBe(false);
    expect(verifyPurge({ ...purge, signature: 'AAAA' }, keys.verificationKeys)).toBe(false);
  });
});
