import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Admin, Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { eventsTopic, inboxTopic, parseParticipantId } from '@accord/contracts';
import { ensureTopics, grant, participantAcls, provisionParticipant, revoke, SharedAdmin } from '@accord/kafka';
import {
  findCertificate,
  findParticipant,
  markCertificateRevoked,
  participantAccessStates,
  resumeParticipant,
  revokedCertificatesStillValid,
  suspendParticipant,
  upsertParticipant,
  withParticipantAccessLock,
  type CertificateRecord,
  type ParticipantRecord,
} from '@accord/persistence';
import { HUB_KAFKA_FAIL_FAST } from '../hub-kafka';
import { CertificateNotFound, ParticipantAccessUnavailable, ParticipantNotFound, RevokedCertificatesStillValid } from './participants.errors';

/** Partition count of a participant's topics when a reconciliation recreates them; provisionParticipant makes them alike. */
const PARTICIPANT_TOPIC_PARTITIONS = 6;

/**
 * Keeps each registered participant's Kafka access — its ACLs (docs/contract.md,
 * "Identities and ACLs") — in step with the registry: ACLs granted while it is
 * registered and not suspended, none while suspended.
 *
 * Guarantee: Kafka never lets a registered participant do more than the registry allows.
 * Every change runs under one hub-wide lock (so concurrent requests and hub-api instances
 * apply their changes in the order they record them) and is ordered so that a failure or
 * crash part-way leaves Kafka narrower than the registry, never wider: access is cut in
 * Kafka before the registry records the cut, and granted in Kafka only after the registry
 * records the grant. What a crash costs is access a participant should have (a suspend that
 * errored with the ACLs already gone, a resume recorded but not granted); the next start's
 * reconciliation, or the same request sent again, restores it.
 *
 * Kafka authorises the principal — the certificate's CN, which is the participant id —
 * and checks no revocation list. So a participant's certificates cannot be told apart by
 * Kafka, and revoking one certificate can only cut the participant: `revokeCertificate`
 * suspends it. A revoked certificate stays cryptographically valid until its notAfter; it
 * connects again the moment the participant's ACLs are back, which is why `resume`
 * refuses while one is unexpired unless the admin accepts exactly that.
 */
@Injectable()
export class ParticipantAccess implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ParticipantAccess.name);
  private readonly admin: SharedAdmin;

  constructor(
    // An admin waiting on Kafka holds the access lock: the fail-fast client.
    @Inject(HUB_KAFKA_FAIL_FAST) kafka: Kafka,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    this.admin = new SharedAdmin(kafka, (error) => this.logger.debug({ err: error }, 'admin disconnect failed'));
  }

  /** At start: a Kafka reset, or a crash between a registry write and an ACL change, heals here. */
  async onApplicationBootstrap(): Promise<void> {
    const { granted, revoked } = await this.reconcile();
    if (granted + revoked > 0) this.logger.log({ granted, revoked }, 'participant ACLs reconciled with the registry');
  }

  onModuleDestroy(): Promise<void> {
    return this.admin.close();
  }

  /**
   * Makes Kafka match the registry for every participant: their topics exist, the ACLs of
   * those not suspended are granted and those of suspended ones removed. One topic listing,
   * at most one createTopics, one createAcls and one deleteAcls, whatever the count.
   */
  async reconcile(): Promise<{ granted: number; revoked: number }> {
    return withParticipantAccessLock(this.dataSource, async (manager) => {
      const states = await participantAccessStates(manager);
      if (states.length === 0) return { granted: 0, revoked: 0 };
      const suspended = states.filter((state) => state.suspended).map((state) => state.id);
      const active = states.filter((state) => !state.suspended).map((state) => state.id);
      await this.admin.use(async (admin) => {
        await revoke(admin, suspended.flatMap(participantAcls));
        await ensureTopics(
          admin,
          states.flatMap(({ id }) => [eventsTopic(id), inboxTopic(id)].map((topic) => ({ topic, numPartitions: PARTICIPANT_TOPIC_PARTITIONS }))),
        );
        await grant(admin, active.flatMap(participantAcls));
      });
      return { granted: active.length, revoked: suspended.length };
    });
  }

  /**
   * Registers (or renames) a participant: recorded, then its topics created and — unless it
   * is suspended — its ACLs granted. Registering a suspended participant again grants nothing.
   */
  async register(id: string, displayName: string): Promise<ParticipantRecord> {
    const { org, system } = parseParticipantId(id);
    return withParticipantAccessLock(this.dataSource, async (manager) => {
      await upsertParticipant(manager, { id, organisation: org, system, displayName });
      const participant = (await findParticipant(manager, id))!;
      await this.changeKafka(true, (admin) => provisionParticipant(admin, id, { suspended: participant.suspendedAt !== null }));
      return participant;
    });
  }

  /** Cuts the participant's Kafka access (every connection, every certificate), then records it. Idempotent. */
  async suspend(id: string): Promise<ParticipantRecord> {
    return withParticipantAccessLock(this.dataSource, async (manager) => {
      if (!(await findParticipant(manager, id))) throw new ParticipantNotFound();
      await this.changeKafka(false, (admin) => revoke(admin, participantAcls(id)));
      await suspendParticipant(manager, id, 'suspended');
      return (await findParticipant(manager, id))!;
    });
  }

  /**
   * Records the participant active, then grants its ACLs (and recreates its topics if Kafka
   * lost them). Refused while a revoked certificate of it is unexpired, unless
   * `acceptRevokedCertificates`: that certificate would connect again.
   */
  async resume(id: string, acceptRevokedCertificates: boolean): Promise<ParticipantRecord> {
    return withParticipantAccessLock(this.dataSource, async (manager) => {
      if (!(await findParticipant(manager, id))) throw new ParticipantNotFound();
      const stillValid = await revokedCertificatesStillValid(manager, id);
      if (stillValid.length > 0 && !acceptRevokedCertificates) throw new RevokedCertificatesStillValid(stillValid);
      await resumeParticipant(manager, id);
      if (stillValid.length > 0) {
        this.logger.warn({ participant: id, serialNumbers: stillValid.map((certificate) => certificate.serialNumber) }, 'resumed with revoked certificates that Kafka still accepts');
      }
      await this.changeKafka(true, (admin) => provisionParticipant(admin, id));
      return (await findParticipant(manager, id))!;
    });
  }

  /**
   * Revokes one certificate: cuts the participant's Kafka access first, then records the
   * revocation and the participant's suspension together. Revoking a revoked certificate
   * changes nothing.
   */
  async revokeCertificate(id: string, serialNumber: string, revokedBy: string): Promise<{ certificate: CertificateRecord; participant: ParticipantRecord }> {
    return withParticipantAccessLock(this.dataSource, async (manager) => {
      if (!(await findParticipant(manager, id))) throw new ParticipantNotFound();
      const existing = await findCertificate(manager, id, serialNumber);
      if (!existing) throw new CertificateNotFound();
      if (existing.revokedAt) return { certificate: existing, participant: (await findParticipant(manager, id))! };
      await this.changeKafka(false, (admin) => revoke(admin, participantAcls(id)));
      const certificate = await manager.transaction(async (transaction) => {
        const revoked = (await markCertificateRevoked(transaction, id, serialNumber, revokedBy))!;
        await suspendParticipant(transaction, id, 'certificate-revoked');
        return revoked;
      });
      this.logger.log({ participant: id, serialNumber, by: revokedBy }, 'certificate revoked; participant suspended');
      return { certificate, participant: (await findParticipant(manager, id))! };
    });
  }

  /** An ACL change; Kafka's failure becomes a 503 saying whether the registry already holds the new state. */
  private async changeKafka(recorded: boolean, work: (admin: Admin) => Promise<unknown>): Promise<void> {
    try {
      await this.admin.use(work);
    } catch (error) {
      this.logger.warn({ err: error }, 'Kafka did not apply a participant access change');
      throw new ParticipantAccessUnavailable(recorded);
    }
  }
}
