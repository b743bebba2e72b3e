import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificateAuthority, describeCertificate, MAX_CSR_BYTES } from './certificate-authority';
import { PkiError, PkiErrorCode } from './errors';

/** A key and CSR made as a partner would make them, with openssl (the recipe in docs/partners.md). */
function partnerCsr(keyArgs: string[], subject = '/CN=whoever-i-say/O=Evil'): string {
  const directory = mkdtempSync(join(tmpdir(), 'accord-csr-'));
  try {
    const key = join(directory, 'partner.key');
    execFileSync('openssl', ['genpkey', ...keyArgs, '-out', key], { stdio: 'ignore' });
    return execFileSync('openssl', ['req', '-new', '-key', key, '-subj', subject], { encoding: 'utf8' });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

function opensslText(certificatePem: string): string {
  const directory = mkdtempSync(join(tmpdir(), 'accord-cert-'));
  try {
    writeFileSync(join(directory, 'c.pem'), certificatePem);
    return execFileSync('openssl', ['x509', '-in', join(directory, 'c.pem'), '-noout', '-text'], { encoding: 'utf8' });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

async function problemsOf(promise: Promise<unknown>): Promise<string[]> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PkiError);
  expect((error as PkiError).code).toBe(PkiErrorCode.CsrInvalid);
  return (error as PkiError).problems.map((problem) => `${problem.path}: ${problem.problem}`);
}

describe('CertificateAuthority', () => {
  let authority: CertificateAuthority;
  let caKey: string;

  beforeAll(async () => {
    const created = await CertificateAuthority.create('Accord test CA');
    authority = created.authority;
    caKey = created.privateKeyPem;
  });

  it('issues a 90-day client certificate whose only subject is CN=<participant>, whatever the CSR asked for, and openssl verifies it against the CA', async () => {
    const issued = await authority.issueFromCsr(partnerCsr(['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']), 'southampton.adult-social-care');
    expect(describeCertificate(issued.certificatePem).identity).toBe('southampton.adult-social-care');
    const text = opensslText(issued.certificatePem);
    expect(text).toMatch(/Subject: CN ?= ?southampton\.adult-social-care\n/);
    expect(text).not.toContain('Evil');
    expect(text).toContain('TLS Web Client Authentication');
    expect(text).toMatch(/CA:FALSE/);
    const days = (issued.notAfter.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);

    const directory = mkdtempSync(join(tmpdir(), 'accord-verify-'));
    try {
      writeFileSync(join(directory, 'ca.pem'), authority.certificatePem);
      writeFileSync(join(directory, 'leaf.pem'), issued.certificatePem);
      const verdict = execFileSync('openssl', ['verify', '-purpose', 'sslclient', '-CAfile', join(directory, 'ca.pem'), join(directory, 'leaf.pem')], { encoding: 'utf8' });
      expect(verdict).toContain('leaf.pem: OK');
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('takes RSA 2048 keys and P-384 keys', async () => {
    await expect(authority.issueFromCsr(partnerCsr(['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']), 'uhs.discharge-hub')).resolves.toMatchObject({ identity: 'uhs.discharge-hub' });
    await expect(authority.issueFromCsr(partnerCsr(['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384']), 'uhs.discharge-hub')).resolves.toMatchObject({ identity: 'uhs.discharge-hub' });
  });

  it('refuses weak keys, oversized or malformed requests, and a CSR whose signature does not match its key, naming each problem', async () => {
    expect(await problemsOf(authority.issueFromCsr(partnerCsr(['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024']), 'a.b'))).toEqual(['csr: an RSA key must have at least 2048 bits']);
    expect(await problemsOf(authority.issueFromCsr('x'.repeat(MAX_CSR_BYTES + 1), 'a.b'))).toEqual([`csr: must be a PEM certificate request of at most ${MAX_CSR_BYTES} bytes`]);
    expect(await problemsOf(authority.issueFromCsr('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n', 'a.b'))).toEqual([
      'csr: is not a well-formed PKCS#10 certificate request',
    ]);
    expect(await problemsOf(authority.issueFromCsr(authority.certificatePem, 'a.b'))).toEqual(['csr: must be one PEM block "-----BEGIN CERTIFICATE REQUEST-----"']);

    // Flip one byte inside the signature (the DER's last bytes): the request no longer proves possession of its key.
    const csr = partnerCsr(['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
    const der = Buffer.from(csr.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    der[der.length - 3] ^= 0x01;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE REQUEST-----\n`;
    expect(await problemsOf(authority.issueFromCsr(tampered, 'a.b'))).toEqual(['csr: its signature does not verify: it must be signed by the key it carries']);
  });

  it('loads back from its PEM files, and refuses a key that is not the certificate’s', async () => {
    const reloaded = await CertificateAuthority.load(authority.certificatePem, caKey);
    const issued = await reloaded.issueFromCsr(partnerCsr(['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']), 'ohid.ndtms');
    expect(await authority.issued(issued.certificatePem)).toBe(true);

    const other = await CertificateAuthority.create('Another CA');
    expect(await other.authority.issued(issued.certificatePem)).toBe(false);
    await expect(CertificateAuthority.load(authority.certificatePem, other.privateKeyPem)).rejects.toMatchObject({ code: PkiErrorCode.CaInvalid });
    await expect(CertificateAuthority.load('not a certificate', caKey)).rejects.toMatchObject({ code: PkiErrorCode.CaInvalid });
  });

  it('never names an identity outside the principal alphabet', async () => {
    const csr = partnerCsr(['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
    for (const identity of ['CN=x,O=y', 'Upper.case', '', 'a b']) {
      expect(await problemsOf(authority.issueFromCsr(csr, identity))).toEqual(['identity: must be lower-case letters, digits, dots and hyphens']);
    }
  });
});
