import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CertificateAuthority, describeCertificate, generateKeyPair, type IssueOptions } from './certificate-authority';

/** A development identity is re-issued when it has less than this left, so a long-lived checkout never meets an expired one. */
const RENEW_BEFORE_MS = 30 * 86_400_000;
const DEVELOPMENT_IDENTITY_DAYS = 365;

export interface DevelopmentPkiOptions {
  /** Client identities to issue (the hub's components, the reference participants). */
  identities: string[];
  /** Server identities (Kafka nodes) with their names; each also gets `<name>.keystore.pem` (key then certificate) for Kafka's PEM keystore. */
  servers: Array<{ identity: string; dns: string[]; ip: string[] }>;
}

/** Where a development identity's files live: `<dir>/ca.crt`, `<dir>/<identity>.crt`, `<dir>/<identity>.key`. */
export function identityFiles(directory: string, identity: string): { ca: string; certificate: string; key: string; keystore: string } {
  return {
    ca: join(directory, 'ca.crt'),
    certificate: join(directory, `${identity}.crt`),
    key: join(directory, `${identity}.key`),
    keystore: join(directory, `${identity}.keystore.pem`),
  };
}

/**
 * The development PKI: a CA created once per checkout (`ca.key` stays on this machine,
 * mode 0600, and production refuses it), and a key and certificate for each identity the
 * development stack needs. Idempotent: what exists, is issued by the CA and is not near
 * expiry is kept; the rest is issued again. Returns the identities it (re)issued.
 */
export async function ensureDevelopmentPki(directory: string, options: DevelopmentPkiOptions): Promise<string[]> {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const caFiles = { certificate: join(directory, 'ca.crt'), key: join(directory, 'ca.key') };
  let authority: CertificateAuthority;
  const issued: string[] = [];
  if (existsSync(caFiles.certificate) && existsSync(caFiles.key)) {
    authority = await CertificateAuthority.load(readFileSync(caFiles.certificate, 'utf8'), readFileSync(caFiles.key, 'utf8'));
  } else {
    const created = await CertificateAuthority.create('Accord development CA');
    authority = created.authority;
    writeSecret(caFiles.key, created.privateKeyPem);
    writeFileAtomically(caFiles.certificate, authority.certificatePem, 0o644);
    issued.push('ca');
  }
  const wanted: Array<{ identity: string; options: IssueOptions; keystore: boolean }> = [
    ...options.identities.map((identity) => ({ identity, options: {}, keystore: false })),
    ...options.servers.map(({ identity, dns, ip }) => ({ identity, options: { serverNames: { dns, ip } }, keystore: true })),
  ];
  for (const { identity, options: issueOptions, keystore } of wanted) {
    const files = identityFiles(directory, identity);
    if ((!keystore || existsSync(files.keystore)) && (await current(authority, files.certificate, files.key))) continue;
    const { privateKeyPem, publicKey } = await generateKeyPair();
    const { certificatePem } = await authority.issueForKey(publicKey, identity, { days: DEVELOPMENT_IDENTITY_DAYS, ...issueOptions });
    writeSecret(files.key, privateKeyPem);
    writeFileAtomically(files.certificate, certificatePem, 0o644);
    if (keystore) writeSecret(files.keystore, `${privateKeyPem.trim()}\n${certificatePem.trim()}\n`);
    issued.push(identity);
  }
  return issued;
}

async function current(authority: CertificateAuthority, certificateFile: string, keyFile: string): Promise<boolean> {
  if (!existsSync(certificateFile) || !existsSync(keyFile)) return false;
  const pem = readFileSync(certificateFile, 'utf8');
  if (!(await authority.issued(pem))) return false;
  return describeCertificate(pem).notAfter.getTime() - Date.now() > RENEW_BEFORE_MS;
}

function writeSecret(file: string, content: string): void {
  writeFileAtomically(file, content, 0o600);
}

function writeFileAtomically(file: string, content: string, mode: number): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode });
  chmodSync(temporary, mode);
  renameSync(temporary, file);
}
