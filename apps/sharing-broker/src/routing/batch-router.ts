import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { KafkaMessage } from 'kafkajs';
import { DataSource } from 'typeorm';
import { participantFromEventsTopic } from '@accord/contracts';
import { EVENT_CATALOG, subjectKeys, type ConsentStatement, type RuleConditionFailure, type VersionedAgreement } from '@accord/governance';
import { Coalescer, type BatchContext } from '@accord/kafka';
import { ConsentChanged, consentForKeys } from '@accord/persistence';
import { SharingBrokerEnvironment } from '../environment';
import { brokerMetrics, type BrokerMetrics } from '../metrics';
import { AgreementCache, versionKey } from './agreement-cache';
import { DecisionWriter } from './decision-writer';
import { candidatesOf, evaluateEvents, rejectedRow, type EvaluatedDecision, type EvaluationSettings, type PlanInput, type RecordedDecision, type WritePlan } from './decisions';
import { deadLetterRecord, inboxRecord, reproject, type Outgoing } from './deliveries';
import { inspectGuarded, unprocessable, type AcceptedEvent, type InspectedRecord, type RejectedRecord } from './inspect';
import { RecordProducer } from './record-producer';

/** The people of one batch's accepted events, and their keyed hashes. */
interface GovernanceRead {
  subjects: AcceptedEvent['subject'][];
  keys: ReturnType<typeof subjectKeys>[];
}

/** Times a batch reads consent and decides again, straight away, when consent statements keep committing under it. */
const MAX_CONSENT_ATTEMPTS = 5;

/** A batch decided and written. */
interface DecidedBatch {
  inspected: InspectedRecord[];
  decisionsOf: Map<AcceptedEvent, EvaluatedDecision[]>;
  rejectedAt: string;
  plan: WritePlan;
  recordedVersions: Map<string, VersionedAgreement>;
}

/** Thrown when the partition was taken away mid-batch: the new owner handles it. */
export class BatchAbandoned extends Error {
  constructor() {
    super('the partition was reassigned or the consumer is stopping; batch abandoned');
    this.name = 'BatchAbandoned';
  }
}

/**
 * The data plane, one consumed batch at a time (docs/architecture.md; docs/contract.md,
 * from "The envelope" to "Decision records and the audit chain"):
 *
 * 1. decode and validate every record (the bad ones become rejections);
 * 2. bring the agreement cache up to date and fetch the consent statements of every person
 *    of the batch in one query;
 * 3. take `now` once, after the consent fetch, so a statement committed before it counts;
 * 4. evaluate every candidate;
 * 5. in one transaction, record the decisions not recorded yet (write-ahead audit);
 * 6. produce the shared records to the recipients' inboxes and the rejects to accord.dlq,
 *    awaiting every acknowledgement;
 * 7. return, and the BatchConsumer commits the offsets.
 *
 * Any failure in 2, 5 or 6 throws: nothing is committed, the batch is retried as it is
 * (fail closed), and step 5 makes the retry deliver what was recorded rather than decide again.
 */
@Injectable()
export class BatchRouter {
  private readonly logger = new Logger(BatchRouter.name);
  private readonly metrics: BrokerMetrics = brokerMetrics();
  private readonly settings: EvaluationSettings;
  /**
   * Reads the governance state for the batches under way: those of one fetch share a read,
   * and the batches that arrive while a read is in flight share the next one (two queries,
   * one wait, whatever their number; see Coalescer).
   */
  private readonly governanceReads: Coalescer<GovernanceRead, { consents: ConsentStatement[][]; consentSeq: number }>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    environment: SharingBrokerEnvironment,
    private readonly agreements: AgreementCache,
    private readonly writer: DecisionWriter,
    private readonly producer: RecordProducer,
  ) {
    this.settings = {
      catalog: EVENT_CATALOG,
      pseudonymMasterKey: environment.ACCORD_PSEUDONYMISATION_SECRET,
      subjectKeySecret: environment.ACCORD_SUBJECT_KEY_SECRET,
      onConditionFailure: (failure) => this.conditionFailed(failure),
    };
    this.governanceReads = new Coalescer((reads) => this.readGovernance(reads));
  }

  /**
   * The consent statements of every person of the reads given and the agreements in force,
   * in one query (consentForKeys); the agreement cache reloads only when their stamp moved.
   */
  private async readGovernance(reads: readonly GovernanceRead[]): Promise<Array<{ consents: ConsentStatement[][]; consentSeq: number }>> {
    // The statements and the consent head from one snapshot: the head a decision write checks is the one they were read at.
    const { statements: consents, consentSeq, agreementsStamp } = await consentForKeys(
      this.dataSource.manager,
      reads.flatMap((read) => read.subjects),
      reads.flatMap((read) => read.keys),
    );
    await this.agreements.refresh(this.dataSource.manager, agreementsStamp);
    let start = 0;
    return reads.map((read) => ({ consents: consents.slice(start, (start += read.keys.length)), consentSeq }));
  }

  /** The BatchConsumer handler. */
  readonly handle = async (messages: KafkaMessage[], context: BatchContext): Promise<void> => {
    if (messages.length === 0) return;
    const stopTimer = this.metrics.batchDuration.startTimer();
    const { topic, partition } = context;
    const batchStartedAt = performance.now();
    // Since the publisher stamped the batch's first record (its clock, not ours: a guide on one machine).
    const waitedMs = Date.now() - Number(messages[0]!.timestamp);

    // 1. Decode and validate (a record that makes inspection throw is `unprocessable`).
    let inspected: InspectedRecord[] = messages.map((message) => inspectGuarded({ topic, partition, offset: message.offset, message }));
    let accepted = inspected.filter((item): item is AcceptedEvent => item.kind === 'accepted');

    // Each person's keyed hashes are worked out once: for the consent query and the decision rows.
    const keys = accepted.map((item) => subjectKeys(item.subject, this.settings.subjectKeySecret));
    const startedAt = performance.now();
    let decided: DecidedBatch | undefined;
    let evaluatedAt = startedAt;
    let readMs = 0;
    for (let attempt = 1; decided === undefined; attempt++) {
      // 2. The agreements in force and the consent of every person of the batch (read together
      // with the other batches waiting for the same round trip).
      const readingAt = performance.now();
      const governance = accepted.length === 0 ? { consents: [], consentSeq: null } : await this.governanceReads.submit({ subjects: accepted.map((item) => item.subject), keys });
      readMs += performance.now() - readingAt;
      // 3 and 4. One moment of evaluation for the whole batch.
      const evaluation = this.evaluate(inspected, accepted, keys, governance.consents);
      evaluatedAt = performance.now();
      await context.heartbeat().catch(() => undefined);
      if (!context.isActive()) throw new BatchAbandoned();
      // 5. Write-ahead: the decisions are durable before anything is released, and stand
      // only if no consent statement committed since step 2 read consent.
      try {
        const written = await this.writer.write(evaluation.items, governance.consentSeq, (manager, plan) =>
          this.agreements.versionsOf(manager, sharedRecorded(plan.plans)),
        );
        decided = { ...evaluation, plan: written.plan, recordedVersions: written.extra };
      } catch (error) {
        if (!(error instanceof ConsentChanged) || attempt >= MAX_CONSENT_ATTEMPTS) throw error;
        this.logger.debug({ topic, partition, attempt }, 'a consent statement was recorded while the batch was decided; deciding it again');
      }
    }
    ({ inspected } = decided);
    const { decisionsOf, rejectedAt, plan, recordedVersions } = decided;

    const writtenAt = performance.now();
    // 6. Deliver: fresh shared decisions, recorded shared decisions of redelivered events, rejects.
    const outgoing: Outgoing[] = [];
    let redelivered = 0;
    const conflicts: RejectedRecord[] = [];
    inspected.forEach((item, index) => {
      const itemPlan = plan.plans[index]!;
      if (item.kind === 'rejected') {
        outgoing.push(deadLetterRecord(item, rejectedAt));
        return;
      }
      // Building a record's deliveries costs that record only, like inspecting it.
      const records: Outgoing[] = [];
      try {
        if (itemPlan.mode === 'new') {
          for (const { decision } of decisionsOf.get(item)!) {
            if (decision.outcome !== 'shared' || !decision.released) continue;
            records.push(inboxRecord(item.envelope, decision, decision.released, this.settings.pseudonymMasterKey));
          }
        } else if (itemPlan.mode === 'recorded') {
          for (const recorded of itemPlan.decisions) {
            const redelivery = this.redelivery(item, recorded, recordedVersions);
            if (redelivery === 'conflict') {
              // The id was decided before with other content: nothing of this record goes out.
              records.length = 0;
              conflicts.push(duplicateIdConflict(item, recorded.decisionId));
              break;
            }
            if (redelivery) records.push(redelivery);
          }
          redelivered += records.length;
        }
      } catch {
        this.logger.error({ topic, partition, offset: item.record.offset }, 'the deliveries of a decided record could not be built; dead-lettered as unprocessable');
        records.length = 0;
        records.push(deadLetterRecord(unprocessable(item.record), rejectedAt));
      }
      outgoing.push(...records);
    });
    for (const conflict of conflicts) outgoing.push(deadLetterRecord(conflict, rejectedAt));
    const producingAt = performance.now();
    await this.producer.send(outgoing);
    const producedAt = performance.now();

    // 7. Done: the BatchConsumer commits. Count only what this attempt recorded.
    for (const row of plan.toAppend) this.metrics.decisions.inc({ outcome: row.outcome, reason: row.reasons[0] ?? 'none' });
    this.metrics.eventsConsumed.inc({ source: participantFromEventsTopic(topic) ?? 'unknown' }, messages.length);
    const rejected = [...inspected.filter((item): item is RejectedRecord => item.kind === 'rejected'), ...conflicts];
    for (const item of rejected) {
      this.logger.warn(
        { topic, partition, offset: item.record.offset, reason: item.reason, decisionId: item.decisionId, problems: item.problems.length },
        'record rejected to the dead-letter queue',
      );
    }
    const seconds = stopTimer();
    const stages = {
      wait: waitedMs,
      inspect: startedAt - batchStartedAt,
      read: readMs,
      evaluate: evaluatedAt - startedAt - readMs,
      write: writtenAt - evaluatedAt,
      produce: producedAt - producingAt,
    };
    for (const [stage, ms] of Object.entries(stages)) this.metrics.batchStage.observe({ stage }, Math.max(0, ms) / 1000);
    this.logger.debug(
      {
        topic,
        partition,
        firstOffset: messages[0]!.offset,
        lastOffset: messages[messages.length - 1]!.offset,
        records: messages.length,
        rejected: rejected.length,
        decisionsRecorded: plan.toAppend.length,
        produced: outgoing.length,
        redelivered,
        ms: Math.round(seconds * 1000),
        // Where the time went (accord_broker_batch_stage_seconds has the same stages).
        waitedMs: Math.round(stages.wait),
        inspectMs: Math.round(stages.inspect),
        readMs: Math.round(stages.read),
        evaluateMs: Math.round(stages.evaluate),
        writeMs: Math.round(stages.write),
        produceMs: Math.round(stages.produce),
      },
      'batch handled',
    );
  };

  /** A rule's condition failed and counted as not holding: counted and named, never the data. */
  private conditionFailed(failure: RuleConditionFailure): void {
    this.metrics.conditionFailures.inc({ agreement: failure.agreementId, kind: failure.kind });
    this.logger.warn(
      { agreementId: failure.agreementId, agreementVersion: failure.agreementVersion, rule: failure.rule, kind: failure.kind, ms: Math.round(failure.ms * 10) / 10 },
      failure.kind === 'over-budget' ? 'a rule condition ran over its budget; counted as not holding' : 'a rule condition failed; counted as not holding',
    );
  }

  /**
   * Evaluates every candidate of the batch at one moment. An event whose evaluation throws
   * costs that event only: it is dead-lettered like a record that failed inspection.
   */
  private evaluate(
    inspected: readonly InspectedRecord[],
    accepted: readonly AcceptedEvent[],
    keys: ReturnType<typeof subjectKeys>[],
    consents: readonly ConsentStatement[][],
  ): { inspected: InspectedRecord[]; decisionsOf: Map<AcceptedEvent, EvaluatedDecision[]>; rejectedAt: string; items: PlanInput[] } {
    const candidates = candidatesOf(accepted, (provider) => this.agreements.agreementsOf(provider));
    const now = new Date();
    const evaluated = evaluateEvents(accepted, candidates, consents, now, this.settings, keys);
    const decisionsOf = new Map<AcceptedEvent, EvaluatedDecision[]>();
    accepted.forEach((item, index) => {
      const decisions = evaluated[index];
      if (decisions) decisionsOf.set(item, decisions);
    });
    const records = inspected.map((item) => (item.kind === 'accepted' && !decisionsOf.has(item) ? unprocessable(item.record) : item));
    const rejectedAt = now.toISOString();
    const items: PlanInput[] = records.map((item) =>
      item.kind === 'accepted'
        ? { kind: 'accepted', eventId: item.event.id, decisions: decisionsOf.get(item)! }
        : { kind: 'rejected', row: rejectedRow(item, rejectedAt, this.settings.subjectKeySecret) },
    );
    return { inspected: records, decisionsOf, rejectedAt, items };
  }

  /**
   * Delivers a decision recorded by an earlier attempt exactly as recorded: only if it
   * was `shared`, under the recorded agreement version, and only if what would be released
   * now has the recorded digest (otherwise the record is not what was decided on).
   */
  private redelivery(item: AcceptedEvent, recorded: RecordedDecision, versions: Map<string, VersionedAgreement>): Outgoing | 'conflict' | undefined {
    if (recorded.outcome !== 'shared') return undefined;
    const { recipient, agreementId, agreementVersion, purpose } = recorded;
    if (recipient === null || agreementId === null || agreementVersion === null || purpose === null) return undefined;
    const agreement = versions.get(versionKey(agreementId, agreementVersion));
    const projection = agreement && reproject(item.event, agreement, this.settings.pseudonymMasterKey);
    if (!projection || projection.payloadDigest !== recorded.payloadDigest) {
      this.logger.error(
        { decisionId: recorded.decisionId, topic: item.record.topic, partition: item.record.partition, offset: item.record.offset },
        'a recorded shared decision does not match the record consumed again (its ce_id was decided with other content); dead-lettered as duplicate-id-conflict',
      );
      return 'conflict';
    }
    return inboxRecord(
      item.envelope,
      { decisionId: recorded.decisionId, recipient, agreementId, agreementVersion, purpose },
      projection.released,
      this.settings.pseudonymMasterKey,
    );
  }
}

/** The agreement versions named by recorded shared decisions of redelivered events. */
function sharedRecorded(plans: readonly { mode: string; decisions?: RecordedDecision[] }[]) {
  const wanted: { agreementId: string; version: number }[] = [];
  for (const plan of plans) {
    for (const decision of plan.decisions ?? []) {
      if (decision.outcome === 'shared' && decision.agreementId !== null && decision.agreementVersion !== null) {
        wanted.push({ agreementId: decision.agreementId, version: decision.agreementVersion });
      }
    }
  }
  return wanted;
}

/**
 * A record whose `ce_id` was already decided with other content (docs/contract.md,
 * "Rejections and the dead-letter queue"): it goes to the DLQ, naming as its decision
 * the earlier one it conflicts with.
 */
function duplicateIdConflict(item: AcceptedEvent, conflictsWith: string): RejectedRecord {
  return {
    kind: 'rejected',
    record: item.record,
    reason: 'duplicate-id-conflict',
    problems: [{ path: 'ce_id', problem: 'was already decided with other content' }],
    decisionId: conflictsWith,
    eventId: item.event.id,
    eventType: item.event.type,
    source: item.event.source,
    subject: item.subject,
  };
}
