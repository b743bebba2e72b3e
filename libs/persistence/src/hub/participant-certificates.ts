import type { EntityManager } from 'typeorm';

/*
 * The client certificates the partnership CA issued to participants through hub-api. A
 * certificate is public; the private key it certifies never reaches the hub. Rows are
 * never deleted: revocation sets `revoked_at`.
 */

export interface CertificateRecord {
  /** Hex, as the CA wrote it into the certificate. */
  serialNumber: string;
  participant: string;
  /** SHA-256 of the DER certificate, hex. */
  fingerprint: string;
  notBefore: Date;
  notAfter: Date;
  createdAt: Date;
  /** The token id that asked for it. */
  createdBy: string;
  revokedAt: Date | null;
  revokedBy: string | null;
}

export type CertificateStatus = 'active' | 'expired' | 'revoked';

/** Revoked wins over expired: a revoked certificate is reported as revoked for ever. */
export function certificateStatus(certificate: Pick<CertificateRecord, 'revokedAt' | 'notAfter'>, now: Date = new Date()): CertificateStatus {
  if (certificate.revokedAt) return 'revoked';
  return certificate.notAfter.getTime() <= now.getTime() ? 'expired' : 'active';
}

interface CertificateRow {
  serial_number: string;
  participant: string;
  fingerprint: string;
  not_before: Date;
  not_after: Date;
  created_at: Date;
  created_by: string;
  revoked_at: Date | null;
  revoked_by: string | null;
}

const CERTIFICATE_COLUMNS = 'serial_number, participant, fingerprint, not_before, not_after, created_at, created_by, revoked_at, revoked_by';

function certificateFromRow(row: CertificateRow): CertificateRecord {
  return {
    serialNumber: row.serial_number,
    participant: row.participant,
    fingerprint: row.fingerprint,
    notBefore: row.not_before,
    notAfter: row.not_after,
    createdAt: row.created_at,
    createdBy: row.created_by,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
  };
}

/** Records an issued certificate with its PEM. */
export async function insertCertificate(
  manager: EntityManager,
  certificate: Pick<CertificateRecord, 'serialNumber' | 'participant' | 'fingerprint' | 'notBefore' | 'notAfter' | 'createdBy'> & { certificatePem: string },
): Promise<CertificateRecord> {
  const rows: CertificateRow[] = await manager.query(
    `INSERT INTO participant_certificates (serial_number, participant, fingerprint, not_before, not_after, certificate_pem, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${CERTIFICATE_COLUMNS}`,
    [certificate.serialNumber, certificate.participant, certificate.fingerprint, certificate.notBefore, certificate.notAfter, certificate.certificatePem, certificate.createdBy],
  );
  return certificateFromRow(rows[0]!);
}

/** A participant's certificates, newest first, at most `limit`. */
export async function listCertificates(manager: EntityManager, participant: string, limit: number): Promise<CertificateRecord[]> {
  const rows: CertificateRow[] = await manager.query(
    `SELECT ${CERTIFICATE_COLUMNS} FROM participant_certificates WHERE participant = $1
      ORDER BY created_at DESC, serial_number LIMIT $2`,
    [participant, limit],
  );
  return rows.map(certificateFromRow);
}

export async function findCertificate(manager: EntityManager, participant: string, serialNumber: string): Promise<CertificateRecord | null> {
  const rows: CertificateRow[] = await manager.query(
    `SELECT ${CERTIFICATE_COLUMNS} FROM participant_certificates WHERE participant = $1 AND serial_number = $2`,
    [participant, serialNumber],
  );
  return rows.length > 0 ? certificateFromRow(rows[0]!) : null;
}

/** Sets `revoked_at` on a certificate not yet revoked; null when there is none such (unknown, or revoked already). */
export async function markCertificateRevoked(
  manager: EntityManager,
  participant: string,
  serialNumber: string,
  revokedBy: string,
): Promise<CertificateRecord | null> {
  // In a CTE, the statement is a SELECT: TypeORM gives the rows, not its [rows, count] pair for an UPDATE.
  const rows: CertificateRow[] = await manager.query(
    `WITH revoked AS (
       UPDATE participant_certificates SET revoked_at = now(), revoked_by = $3
        WHERE participant = $1 AND serial_number = $2 AND revoked_at IS NULL
        RETURNING ${CERTIFICATE_COLUMNS})
     SELECT ${CERTIFICATE_COLUMNS} FROM revoked`,
    [participant, serialNumber, revokedBy],
  );
  return rows.length > 0 ? certificateFromRow(rows[0]!) : null;
}

/**
 * A participant's revoked certificates that Kafka would still accept: revoked, but not
 * yet past `notAfter` (Kafka checks no revocation list, only validity and the ACLs of the
 * principal). Soonest to expire first.
 */
export async function revokedCertificatesStillValid(manager: EntityManager, participant: string, now: Date = new Date()): Promise<CertificateRecord[]> {
  const rows: CertificateRow[] = await manager.query(
    `SELECT ${CERTIFICATE_COLUMNS} FROM participant_certificates
      WHERE participant = $1 AND revoked_at IS NOT NULL AND not_after > $2
      ORDER BY not_after, serial_number`,
    [participant, now],
  );
  return rows.map(certificateFromRow);
}

/** Certificates of every participant, neither revoked nor expired, that expire at or before `before`; soonest first, at most `limit`. */
export async function certificatesExpiring(manager: EntityManager, before: Date, limit: number, now: Date = new Date()): Promise<CertificateRecord[]> {
  const rows: CertificateRow[] = await manager.query(
    `SELECT ${CERTIFICATE_COLUMNS} FROM participant_certificates
      WHERE revoked_at IS NULL AND not_after > $1 AND not_after <= $2
      ORDER BY not_after, serial_number LIMIT $3`,
    [now, before, limit],
  );
  return rows.map(certificateFromRow);
}
