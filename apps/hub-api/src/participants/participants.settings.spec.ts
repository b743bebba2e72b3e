import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDevelopmentKeyPair } from '@accord/audit-chain';
import { CertificateAuthority } from '@accord/pki';
import { ConfigurationError, loadEnvironment } from '@accord/platform';
import { HubApiEnvironment } from '../environment';
import { loadCertificateAuthority } from './certificate-authority.provider';
import { certificateAuthorityFiles, publicBrokers } from './participants.settings';

const production = { NODE_ENV: 'production', ACCORD_ADMIN_TOKEN: 'production-admin-token-0123456789abcdef', ACCORD_SUBJECT_KEY_SECRET: 'production-subject-key-secret-0123456789', KAFKA_TLS_DIR: '/run/secrets/kafka', AUDIT_SIGNING_KEY: generateDevelopmentKeyPair().privateKeyPem };

function problemsOf(environment: Record<string, string>): string {
  try {
    loadEnvironment(HubApiEnvironment, environment);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  return '';
}

describe('the partnership CA and public broker settings', () => {
  it('refuses to start in production unless both CA files are set explicitly, naming each variable', () => {
    const message = problemsOf(production);
    expect(message).toContain('ACCORD_CA_CERT_FILE must be set in production');
    expect(message).toContain('ACCORD_CA_KEY_FILE must be set in production');
    expect(problemsOf({ ...production, ACCORD_CA_CERT_FILE: '/secrets/ca.crt' })).not.toContain('ACCORD_CA_CERT_FILE');
    // Other production settings may still be missing in this fixture: only these two are this area's.
    expect(problemsOf({ ...production, ACCORD_CA_CERT_FILE: '/secrets/ca.crt', ACCORD_CA_KEY_FILE: '/secrets/ca.key' })).not.toMatch(/ACCORD_CA_/);
    expect(() => certificateAuthorityFiles({ ...loadEnvironment(HubApiEnvironment, {}), NODE_ENV: 'production' })).toThrow(/ACCORD_CA_CERT_FILE must be set in production/);
  });

  it('defaults to the development CA in KAFKA_TLS_DIR outside production, and KAFKA_PUBLIC_BROKERS to KAFKA_BROKERS', () => {
    const development = loadEnvironment(HubApiEnvironment, { KAFKA_TLS_DIR: '/tmp/pki', KAFKA_BROKERS: 'kafka-1:19092,kafka-2:19092' });
    expect(certificateAuthorityFiles(development)).toEqual({ certificate: '/tmp/pki/ca.crt', key: '/tmp/pki/ca.key' });
    expect(publicBrokers(development)).toEqual(['kafka-1:19092', 'kafka-2:19092']);
    const published = loadEnvironment(HubApiEnvironment, { KAFKA_PUBLIC_BROKERS: 'kafka.accord.example:9093' });
    expect(publicBrokers(published)).toEqual(['kafka.accord.example:9093']);
    expect(problemsOf({ KAFKA_PUBLIC_BROKERS: 'not a broker list' })).toContain('KAFKA_PUBLIC_BROKERS must be empty or a comma-separated list of host:port');
  });

  it('loads the CA once from its files, and stops with a line naming the setting when a file is missing or the pair does not match', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'accord-ca-'));
    const { authority, privateKeyPem } = await CertificateAuthority.create('Accord settings test CA');
    const other = await CertificateAuthority.create('Another CA');
    writeFileSync(join(directory, 'ca.crt'), authority.certificatePem);
    writeFileSync(join(directory, 'ca.key'), privateKeyPem);
    writeFileSync(join(directory, 'other.key'), other.privateKeyPem);
    const settings = loadEnvironment(HubApiEnvironment, { KAFKA_TLS_DIR: directory });

    expect((await loadCertificateAuthority(settings)).certificatePem).toBe(authority.certificatePem);
    await expect(loadCertificateAuthority({ ...settings, ACCORD_CA_KEY_FILE: join(directory, 'missing.key') })).rejects.toThrow(/^ACCORD_CA_KEY_FILE: cannot read/);
    const mismatched = loadCertificateAuthority({ ...settings, ACCORD_CA_KEY_FILE: join(directory, 'other.key') });
    await expect(mismatched).rejects.toThrow(/^ACCORD_CA_CERT_FILE and ACCORD_CA_KEY_FILE: The CA key does not match/);
  });
});
