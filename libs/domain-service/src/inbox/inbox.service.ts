import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { KafkaMessage } from 'kafkajs';
import { DataSource, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import {
  compileReleasedRecordValidator,
  CONSENT_NOTICE_TYPE,
  decodeConsentNotice,
  decodeInboxRecord,
  headerText,
  inboxTopic,
  type ConsentNoticeRecord,
  type ReleasedRecordValidator,
} from '@accord/contracts';
import { DOMAIN_SERVICE_OPTIONS, type DomainServiceOptions } from '../options';
import { DEFAULT_PAGE_SIZE, pageOf, type Page, type PageQuery } from '../records/page';
import { INBOX_RECORD_NEEDS, type InboxHandler, type WorkItemDraft } from './inbox-handler';
import { WorkItemEntity } from './work-item.entity';

export type ReceiptOutcome = 'work-item' | 'consent-notice' | 'no-work' | 'unexpected-type' | 'invalid-shape' | 'invalid-envelope' | 'unprocessable';

export type WorkItemView = Omit<WorkItemEntity, 'seq'>;

interface Received {
  eventId: string;
  eventType: string;
  source: string;
  time: string | null;
  agreement: string;
  purpose: string;
  decisionId: string;
  data: Record<string, unknown>;
}

/**
 * Turns records shared with this service's participants into work items. Each inbox record
 * leaves one receipt keyed on (participant, ce_id, ce_accordagreement), written in the same
 * transaction as its work item, so a redelivery makes no second item. A record of a type the
 * service does not handle, or of the wrong shape, is receipted and logged (never its data)
 * and never stops the consumer; only a failure to write (Postgres down) is retried.
 */
@Injectable()
export class InboxService {
  private readonly logger = new Logger('inbox');
  private readonly handlers: Map<string, { handler: InboxHandler; validate: ReleasedRecordValidator }>;
  private readonly participantsByTopic: Map<string, string>;

  constructor(
    @Inject(DOMAIN_SERVICE_OPTIONS) options: DomainServiceOptions,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(WorkItemEntity) private readonly workItems: Repository<WorkItemEntity>,
  ) {
    this.handlers = new Map(
      options.inboxHandlers.map((handler) => [
        handler.eventType,
        { handler, validate: compileReleasedRecordValidator(handler.eventType, [...INBOX_RECORD_NEEDS, ...handler.needs]) },
      ]),
    );
    this.participantsByTopic = new Map(options.participants.map((participant) => [inboxTopic(participant), participant]));
  }

  /** The inbox topics this service consumes, one per participant. */
  topics(): string[] {
    return [...this.participantsByTopic.keys()];
  }

  async receive(topic: string, partition: number, message: KafkaMessage): Promise<ReceiptOutcome> {
    const participant = this.participantsByTopic.get(topic);
    if (!participant) {
      this.logger.warn({ topic }, 'record from a topic this service does not serve; ignored');
      return 'unexpected-type';
    }
    // Anything that fails while reading one record costs that record (receipted as
    // unprocessable, no work item), never the partition; only the writes below are retried.
    let decided: { received: Received; outcome: ReceiptOutcome; draft?: WorkItemDraft } | undefined;
    try {
      decided = this.decide(message);
    } catch {
      this.logger.warn({ topic, partition, offset: message.offset }, 'inbox record could not be processed; receipted as unprocessable, no work item');
      return this.receiptOnly(participant, topic, partition, message, 'unprocessable');
    }
    if (!decided) {
      this.logger.warn({ topic, partition, offset: message.offset }, 'inbox record without a valid envelope; receipted, no work item');
      return this.receiptOnly(participant, topic, partition, message, 'invalid-envelope');
    }
    return this.store(participant, decided.received, decided);
  }

  /** What one record becomes; undefined when its envelope is invalid. May throw on a defect: the caller contains it. */
  private decide(message: KafkaMessage): { received: Received; outcome: ReceiptOutcome; draft?: WorkItemDraft } | undefined {
    if (headerText(message.headers, 'ce_type') === CONSENT_NOTICE_TYPE) {
      const decoded = this.decodeNotice(message);
      if (decoded) return { received: decoded.received, outcome: 'consent-notice', draft: consentNoticeWork(decoded.notice) };
    }
    const received = this.decode(message);
    return received && { received, ...this.interpret(received) };
  }

  /** A receipt without a work item for a record that cannot be read, named by its headers (bounded) or where it was. */
  private async receiptOnly(participant: string, topic: string, partition: number, message: KafkaMessage, outcome: ReceiptOutcome): Promise<ReceiptOutcome> {
    const header = (name: string) => {
      const value = headerText(message.headers, name) ?? '';
      return value.length > 0 && value.length <= 200 ? value : '';
    };
    const eventId = header('ce_id') || `${topic}/${partition}/${message.offset}`;
    await this.receipt(participant, { eventId, agreement: header('ce_accordagreement') || 'unknown', eventType: header('ce_type') || null }, outcome);
    return outcome;
  }

  /** The receipt and its work item in one transaction; a redelivered record makes neither again. */
  private async store(participant: string, received: Received, { outcome, draft }: { outcome: ReceiptOutcome; draft?: WorkItemDraft }) {
    await this.dataSource.transaction(async (manager) => {
      const fresh = await this.receipt(participant, received, outcome, manager);
      if (!fresh) {
        this.logger.log({ eventId: received.eventId, agreement: received.agreement }, 'duplicate inbox record ignored');
        return;
      }
      if (draft) await manager.insert(WorkItemEntity, this.workItem(participant, received, draft) as QueryDeepPartialEntity<WorkItemEntity>);
    });
    return outcome;
  }

  /** The participant's work items, newest first. */
  async list(participant: string, query: PageQuery): Promise<Page<WorkItemView>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const builder = this.workItems
      .createQueryBuilder('item')
      .where('item.participant = :participant', { participant })
      .orderBy('item.seq', 'DESC')
      .limit(limit + 1);
    if (query.cursor) builder.andWhere('item.seq < :cursor', { cursor: query.cursor });
    return pageOf(await builder.getMany(), limit, ({ seq: _seq, ...item }) => item);
  }

  private decode(message: KafkaMessage): Received | undefined {
    try {
      const decoded = decodeInboxRecord(message);
      if (!decoded.ok) return undefined;
      const { event, agreement, purpose, decisionId } = decoded.value;
      return {
        eventId: event.id,
        eventType: event.type,
        source: event.source,
        time: event.time ?? null,
        agreement,
        purpose,
        decisionId,
        data: event.data as Record<string, unknown>,
      };
    } catch {
      return undefined;
    }
  }

  /**
   * A consent notice from the hub (not a shared record: no agreement headers). Kept as a work
   * item, because the recipient must act on it: stop using the listed records for that purpose.
   */
  private decodeNotice(message: KafkaMessage): { received: Received; notice: ConsentNoticeRecord } | undefined {
    const notice = decodeConsentNotice(message.value);
    if (!notice) return undefined;
    const received: Received = {
      eventId: notice.noticeId,
      eventType: CONSENT_NOTICE_TYPE,
      source: headerText(message.headers, 'ce_source') || 'urn:accord:hub',
      time: headerText(message.headers, 'ce_time') || null,
      agreement: [...new Set(notice.affected.map((entry) => entry.agreementId))].join(',') || 'none',
      purpose: [...new Set(notice.affected.map((entry) => entry.purpose))].join(',') || 'none',
      decisionId: notice.statementId,
      data: notice as unknown as Record<string, unknown>,
    };
    return { received, notice };
  }

  private interpret(received: Received): { outcome: ReceiptOutcome; draft?: WorkItemDraft } {
    const entry = this.handlers.get(received.eventType);
    if (!entry) {
      this.logger.warn({ eventId: received.eventId, eventType: received.eventType }, 'inbox record of an unexpected type; receipted, no work item');
      return { outcome: 'unexpected-type' };
    }
    const checked = entry.validate(received.data);
    if (!checked.ok) {
      // Paths and rules only: the values are personal data.
      const problems = checked.problems.map(({ path, problem }) => `${path}: ${problem}`);
      this.logger.warn({ eventId: received.eventId, eventType: received.eventType, problems }, 'inbox record of an invalid shape; receipted, no work item');
      return { outcome: 'invalid-shape' };
    }
    const draft = entry.handler.workItem(checked.value);
    return draft ? { outcome: 'work-item', draft } : { outcome: 'no-work' };
  }

  /** True when this is the first time the record was seen. */
  private async receipt(
    participant: string,
    record: { eventId: string; agreement: string; eventType: string | null },
    outcome: ReceiptOutcome,
    manager = this.dataSource.manager,
  ): Promise<boolean> {
    const inserted: unknown[] = await manager.query(
      `INSERT INTO inbox_receipts (participant, event_id, agreement, event_type, outcome) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING RETURNING event_id`,
      [participant, record.eventId, record.agreement, record.eventType, outcome],
    );
    return inserted.length > 0;
  }

  private workItem(participant: string, received: Received, draft: WorkItemDraft): Partial<WorkItemEntity> {
    return {
      id: randomUUID(),
      participant,
      ...draft,
      eventId: received.eventId,
      eventType: received.eventType,
      source: received.source,
      eventTime: received.time,
      agreement: received.agreement,
      purpose: received.purpose,
      decisionId: received.decisionId,
      record: received.data,
    };
  }
}

const NOTICE_KINDS: Record<string, string> = {
  withdraw: 'withdrew consent',
  object: 'objected to sharing',
  'national-opt-out': 'registered a national data opt-out',
};

function consentNoticeWork(notice: ConsentNoticeRecord): WorkItemDraft {
  const records = notice.affected.reduce((total, entry) => total + entry.eventIds.length, 0);
  return {
    kind: 'consent-notice',
    summary:
      `The person ${NOTICE_KINDS[notice.kind]} from ${notice.effectiveFrom.slice(0, 10)}: review ${records} record(s) already ` +
      `received under ${notice.affected.map((entry) => entry.agreementId).join(', ') || 'no agreement'} and stop further use for that purpose` +
      (notice.truncated ? ' (the list is truncated; ask the hub for the rest)' : ''),
    details: { statementId: notice.statementId, kind: notice.kind, effectiveFrom: notice.effectiveFrom, affected: notice.affected, truncated: notice.truncated ?? false },
  };
}
