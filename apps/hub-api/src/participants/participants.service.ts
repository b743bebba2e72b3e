import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { eventsTopic, inboxTopic } from '@accord/contracts';
import { participantGroupPrefix } from '@accord/kafka';
import { findParticipant, listParticipants, type ParticipantRecord } from '@accord/persistence';
import { CertificateAuthority } from '@accord/pki';
import { type Caller } from '../auth';
import { HubApiEnvironment } from '../environment';
import { PARTNER_CERTIFICATE_PLACEHOLDER, PARTNER_KEY_PLACEHOLDER, type ConnectionKitView } from './dto/connection-kit.view';
import type { ParticipantView } from './dto/register-participant.dto';
import { ParticipantAccess } from './participant-access';
import { ParticipantForbidden, ParticipantNotFound } from './participants.errors';
import { publicBrokers } from './participants.settings';

/** The participant registry as the API shows it, and each participant's connection kit. Lifecycle changes go through ParticipantAccess. */
@Injectable()
export class ParticipantsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: ParticipantAccess,
    @Inject(CertificateAuthority) private readonly authority: CertificateAuthority,
    @Inject(HubApiEnvironment) private readonly environment: HubApiEnvironment,
  ) {}

  /**
   * Registers (or renames) a participant: creates its events and inbox topics and grants
   * its identity (principal = participant id) access to exactly those (docs/contract.md,
   * "Identities and ACLs"), unless it is suspended.
   */
  async register(id: string, displayName: string): Promise<ParticipantView> {
    return participantView(await this.access.register(id, displayName));
  }

  async list(): Promise<ParticipantView[]> {
    return (await listParticipants(this.dataSource.manager)).map(participantView);
  }

  async suspend(id: string): Promise<ParticipantView> {
    return participantView(await this.access.suspend(id));
  }

  async resume(id: string, acceptRevokedCertificates: boolean): Promise<ParticipantView> {
    return participantView(await this.access.resume(id, acceptRevokedCertificates));
  }

  /**
   * What a partner system needs to connect as `id`: bootstrap servers, the CA, its topics
   * and group prefix, and a kafkajs configuration with placeholders for the certificate and
   * key only the partner holds. For an admin, or a token bound to that participant.
   */
  async connectionKit(id: string, caller: Caller): Promise<ConnectionKitView> {
    if (!caller.roles.includes('admin') && caller.participant !== id) throw new ParticipantForbidden();
    const participant = await findParticipant(this.dataSource.manager, id);
    if (!participant) throw new ParticipantNotFound();
    const brokers = publicBrokers(this.environment);
    const caCertificate = this.authority.certificatePem;
    return {
      participant: id,
      bootstrapServers: brokers,
      securityProtocol: 'SSL',
      caCertificate,
      eventsTopic: eventsTopic(id),
      inboxTopic: inboxTopic(id),
      groupPrefix: participantGroupPrefix(id),
      suspended: participant.suspendedAt !== null,
      kafkajs: {
        clientId: id,
        brokers,
        ssl: { ca: [caCertificate], cert: PARTNER_CERTIFICATE_PLACEHOLDER, key: PARTNER_KEY_PLACEHOLDER, rejectUnauthorized: true },
      },
    };
  }
}

export function participantView(participant: ParticipantRecord): ParticipantView {
  return {
    id: participant.id,
    organisation: participant.organisation,
    system: participant.system,
    displayName: participant.displayName,
    registeredAt: participant.registeredAt,
    eventsTopic: eventsTopic(participant.id),
    inboxTopic: inboxTopic(participant.id),
    suspended: participant.suspendedAt !== null,
    suspendedAt: participant.suspendedAt,
    suspensionReason: participant.suspensionReason,
    certificateExpiresAt: participant.certificateExpiresAt,
  };
}
