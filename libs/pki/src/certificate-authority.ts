import 'reflect-metadata'; // @peculiar/x509 resolves its ASN.1 handlers through tsyringe
import { randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { PkiError, PkiErrorCode } from './errors';

type CryptoKey = webcrypto.CryptoKey;
type Algorithm = webcrypto.Algorithm;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** Keys the hub makes (its CA, development identities): ECDSA P-256, which Kafka's JSSE and Node's TLS both take. */
const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A CSR is a few hundred bytes; anything near this is not one. */
export const MAX_CSR_BYTES = 16 * 1024;
/** A client certificate lives at most this long; the default is 90 days. */
export const MAX_CERTIFICATE_DAYS = 397;
export const DEFAULT_CERTIFICATE_DAYS = 90;
/** RSA keys in a CSR: at least this many bits (NCSC and CA/B forum minimum). */
const MIN_RSA_BITS = 2048;
const ALLOWED_CURVES = new Set(['P-256', 'P-384']);
const DAY_MS = 86_400_000;

/** An identity name becomes the certificate's only subject attribute, and Kafka's principal: `CN=<name>` → `User:<name>`. */
const IDENTITY_NAME = /^[a-z0-9][a-z0-9.-]{0,127}$/;

export interface IssuedCertificate {
  certificatePem: string;
  /** Hex serial number, unique per certificate. */
  serialNumber: string;
  /** The identity the certificate names (its subject CN). */
  identity: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the DER certificate, hex: what an operator compares. */
  fingerprint: string;
}

export interface IssueOptions {
  /** Days from now; default 90, at most MAX_CERTIFICATE_DAYS. */
  days?: number;
  /** Explicit validity (tests make expired certificates with it). */
  notBefore?: Date;
  notAfter?: Date;
  /** A server certificate (a Kafka node): these names go into subjectAltName and it may also act as a TLS server. */
  serverNames?: { dns?: string[]; ip?: string[] };
}

export interface KeyPairPem {
  privateKeyPem: string;
  publicKey: CryptoKey;
}

/** A new ECDSA P-256 key pair; the private key as unencrypted PKCS#8 PEM (what Kafka's PEM keystore and Node's TLS read). */
export async function generateKeyPair(): Promise<KeyPairPem> {
  const keys = (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { privateKeyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'), publicKey: keys.publicKey };
}

/**
 * The partnership's certificate authority: it signs the certificates by which every
 * participant and every hub component proves who it is to Kafka. The subject of what it
 * issues is always `CN=<identity>` and nothing else, whatever a CSR asks for, so the
 * identity Kafka maps to a principal is the one the hub chose.
 */
export class CertificateAuthority {
  private constructor(
    readonly certificate: x509.X509Certificate,
    private readonly signingKey: CryptoKey,
  ) {}

  /** The CA certificate, PEM: what every client and the Kafka nodes trust. */
  get certificatePem(): string {
    return this.certificate.toString('pem');
  }

  /** A new self-signed CA with its private key (PKCS#8 PEM). */
  static async create(name: string, days = 3650): Promise<{ authority: CertificateAuthority; privateKeyPem: string }> {
    const { privateKeyPem, publicKey } = await generateKeyPair();
    const signingKey = await importSigningKey(privateKeyPem);
    const now = Date.now();
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serialNumber(),
      name: `CN=${name}`,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + days * DAY_MS),
      signingAlgorithm: SIGNING_ALGORITHM,
      keys: { publicKey, privateKey: signingKey },
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(publicKey),
      ],
    });
    return { authority: new CertificateAuthority(certificate, signingKey), privateKeyPem };
  }

  /** The CA from its certificate and private key (PEM); refuses a pair that does not belong together. */
  static async load(certificatePem: string, privateKeyPem: string): Promise<CertificateAuthority> {
    let certificate: x509.X509Certificate;
    let signingKey: CryptoKey;
    try {
      certificate = new x509.X509Certificate(certificatePem);
      signingKey = await importSigningKey(privateKeyPem);
    } catch {
      throw new PkiError(PkiErrorCode.CaInvalid, 'The CA certificate or key is not a PEM ECDSA P-256 certificate and PKCS#8 key');
    }
    const authority = new CertificateAuthority(certificate, signingKey);
    const probe = await authority.issueForKey((await generateKeyPair()).publicKey, 'ca-key-check', { days: 1 });
    if (!(await new x509.X509Certificate(probe.certificatePem).verify({ publicKey: certificate.publicKey, signatureOnly: true }))) {
      throw new PkiError(PkiErrorCode.CaInvalid, 'The CA key does not match the CA certificate');
    }
    return authority;
  }

  /**
   * A client certificate for `identity` from a PKCS#10 CSR (PEM). The CSR's signature
   * must verify (the requester holds the key), and its key must be ECDSA P-256/P-384 or
   * RSA of 2048 bits or more; its subject and extensions are ignored.
   */
  async issueFromCsr(csrPem: string, identity: string, options: IssueOptions = {}): Promise<IssuedCertificate> {
    const request = parseCsr(csrPem);
    const problems: Array<{ path: string; problem: string }> = [];
    if (!(await request.verify().catch(() => false))) problems.push({ path: 'csr', problem: 'its signature does not verify: it must be signed by the key it carries' });
    const keyProblem = unacceptableKey(request.publicKey.algorithm);
    if (keyProblem) problems.push({ path: 'csr', problem: keyProblem });
    if (problems.length > 0) throw new PkiError(PkiErrorCode.CsrInvalid, 'No certificate was issued', problems);
    return this.issueForKey(request.publicKey, identity, options);
  }

  /** A certificate for `identity` over a public key the hub already holds (development identities, tests). */
  async issueForKey(publicKey: x509.PublicKeyType, identity: string, options: IssueOptions = {}): Promise<IssuedCertificate> {
    if (!IDENTITY_NAME.test(identity)) throw new PkiError(PkiErrorCode.CsrInvalid, 'No certificate was issued', [{ path: 'identity', problem: 'must be lower-case letters, digits, dots and hyphens' }]);
    const days = options.days ?? DEFAULT_CERTIFICATE_DAYS;
    if (!Number.isInteger(days) || days < 1 || days > MAX_CERTIFICATE_DAYS) {
      throw new PkiError(PkiErrorCode.CsrInvalid, 'No certificate was issued', [{ path: 'days', problem: `must be a whole number from 1 to ${MAX_CERTIFICATE_DAYS}` }]);
    }
    const now = Date.now();
    const notBefore = options.notBefore ?? new Date(now - 60_000);
    const notAfter = options.notAfter ?? new Date(now + days * DAY_MS);
    const server = options.serverNames;
    const usages = [x509.ExtendedKeyUsage.clientAuth, ...(server ? [x509.ExtendedKeyUsage.serverAuth] : [])];
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension(usages, false),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(this.certificate.publicKey),
    ];
    if (server) {
      extensions.push(
        new x509.SubjectAlternativeNameExtension([
          ...(server.dns ?? []).map((value) => ({ type: 'dns' as const, value })),
          ...(server.ip ?? []).map((value) => ({ type: 'ip' as const, value })),
        ]),
      );
    }
    const serial = serialNumber();
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject: `CN=${identity}`,
      issuer: this.certificate.subject,
      notBefore,
      notAfter,
      signingAlgorithm: SIGNING_ALGORITHM,
      publicKey,
      signingKey: this.signingKey,
      extensions,
    });
    return {
      certificatePem: certificate.toString('pem'),
      serialNumber: serial,
      identity,
      notBefore: certificate.notBefore,
      notAfter: certificate.notAfter,
      fingerprint: Buffer.from(await certificate.getThumbprint('SHA-256')).toString('hex'),
    };
  }

  /** True when `certificatePem` was signed by this CA. */
  async issued(certificatePem: string): Promise<boolean> {
    try {
      return await new x509.X509Certificate(certificatePem).verify({ publicKey: this.certificate.publicKey, signatureOnly: true });
    } catch {
      return false;
    }
  }
}

/** What a certificate says about itself, for listing and expiry checks. */
export function describeCertificate(certificatePem: string): { identity: string; serialNumber: string; notBefore: Date; notAfter: Date } {
  const certificate = new x509.X509Certificate(certificatePem);
  const identity = certificate.subjectName.getField('CN')[0] ?? '';
  return { identity, serialNumber: certificate.serialNumber, notBefore: certificate.notBefore, notAfter: certificate.notAfter };
}

function parseCsr(csrPem: string): x509.Pkcs10CertificateRequest {
  const invalid = (problem: string) => new PkiError(PkiErrorCode.CsrInvalid, 'No certificate was issued', [{ path: 'csr', problem }]);
  if (typeof csrPem !== 'string' || Buffer.byteLength(csrPem) > MAX_CSR_BYTES) throw invalid(`must be a PEM certificate request of at most ${MAX_CSR_BYTES} bytes`);
  if (!/^\s*-----BEGIN CERTIFICATE REQUEST-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE REQUEST-----\s*$/.test(csrPem)) {
    throw invalid('must be one PEM block "-----BEGIN CERTIFICATE REQUEST-----"');
  }
  try {
    return new x509.Pkcs10CertificateRequest(csrPem);
  } catch {
    throw invalid('is not a well-formed PKCS#10 certificate request');
  }
}

function unacceptableKey(algorithm: Algorithm): string | undefined {
  const named = algorithm as Algorithm & { namedCurve?: string; modulusLength?: number };
  if (named.name === 'ECDSA' || named.name === 'ECDH') {
    return ALLOWED_CURVES.has(named.namedCurve ?? '') ? undefined : 'an EC key must be on curve P-256 or P-384';
  }
  if (named.name.startsWith('RSA')) {
    return (named.modulusLength ?? 0) >= MIN_RSA_BITS ? undefined : `an RSA key must have at least ${MIN_RSA_BITS} bits`;
  }
  return 'the key must be ECDSA (P-256, P-384) or RSA (2048 bits or more)';
}

async function importSigningKey(privateKeyPem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(privateKeyPem);
  return webcrypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, false, ['sign']) as Promise<CryptoKey>;
}

/** 16 random bytes, the top bit clear so the DER integer stays positive. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}
