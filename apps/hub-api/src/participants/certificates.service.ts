import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import {
  certificatesExpiring,
  certificateStatus,
  findParticipant,
  insertCertificate,
  listCertificates,
  type CertificateRecord,
} from '@accord/persistence';
import { CertificateAuthority, PkiError } from '@accord/pki';
import { type Caller } from '../auth';
import type { CertificateView, IssuedCertificateView, RevokedCertificateView } from './dto/certificate.dto';
import { ParticipantAccess } from './participant-access';
import { CertificateRequestRefused, ParticipantNotFound } from './participants.errors';

/** Most certificates one listing returns (newest first); a participant rotating every 90 days reaches it after 50 years. */
export const MAX_CERTIFICATES_LISTED = 200;
/** Most certificates the expiry panel lists (soonest first). */
export const MAX_EXPIRING_LISTED = 500;
const DAY_MS = 86_400_000;

/**
 * Participants' Kafka identities: the partnership CA signs a client certificate for a CSR
 * (the partner keeps its private key; the subject is always CN=<participant>), the hub
 * records it, lists it and revokes it. What revocation does to Kafka access is
 * ParticipantAccess's to say.
 */
@Injectable()
export class CertificatesService {
  private readonly logger = new Logger(CertificatesService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CertificateAuthority) private readonly authority: CertificateAuthority,
    private readonly access: ParticipantAccess,
  ) {}

  async issue(participant: string, request: { csr: string; days?: number }, caller: Caller): Promise<IssuedCertificateView> {
    if (!(await findParticipant(this.dataSource.manager, participant))) throw new ParticipantNotFound();
    let issued;
    try {
      issued = await this.authority.issueFromCsr(request.csr, participant, { days: request.days });
    } catch (error) {
      if (error instanceof PkiError) throw new CertificateRequestRefused(error);
      throw error;
    }
    // A participant deleted between the check and here fails the foreign key: a 500, and the certificate is recorded nowhere.
    await insertCertificate(this.dataSource.manager, {
      serialNumber: issued.serialNumber,
      participant,
      fingerprint: issued.fingerprint,
      notBefore: issued.notBefore,
      notAfter: issued.notAfter,
      certificatePem: issued.certificatePem,
      createdBy: caller.tokenId,
    });
    this.logger.log({ participant, serialNumber: issued.serialNumber, notAfter: issued.notAfter, by: caller.tokenId }, 'client certificate issued');
    return {
      serialNumber: issued.serialNumber,
      participant,
      notBefore: issued.notBefore,
      notAfter: issued.notAfter,
      fingerprint: issued.fingerprint,
      certificate: issued.certificatePem,
      caCertificate: this.authority.certificatePem,
    };
  }

  async list(participant: string): Promise<CertificateView[]> {
    if (!(await findParticipant(this.dataSource.manager, participant))) throw new ParticipantNotFound();
    const now = new Date();
    return (await listCertificates(this.dataSource.manager, participant, MAX_CERTIFICATES_LISTED)).map((certificate) => certificateView(certificate, now));
  }

  /** Every participant's certificates that are still good but expire within `days`. */
  async expiring(days: number): Promise<CertificateView[]> {
    const now = new Date();
    const certificates = await certificatesExpiring(this.dataSource.manager, new Date(now.getTime() + days * DAY_MS), MAX_EXPIRING_LISTED, now);
    return certificates.map((certificate) => certificateView(certificate, now));
  }

  async revoke(participant: string, serialNumber: string, caller: Caller): Promise<RevokedCertificateView> {
    const revoked = await this.access.revokeCertificate(participant, serialNumber, caller.tokenId);
    return { ...certificateView(revoked.certificate), participantSuspended: revoked.participant.suspendedAt !== null };
  }
}

function certificateView(certificate: CertificateRecord, now: Date = new Date()): CertificateView {
  return {
    serialNumber: certificate.serialNumber,
    participant: certificate.participant,
    fingerprint: certificate.fingerprint,
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
    createdAt: certificate.createdAt,
    revokedAt: certificate.revokedAt,
    status: certificateStatus(certificate, now),
  };
}
