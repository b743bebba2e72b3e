import { HttpStatus, Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { LazyClient } from '@accord/kafka';
import { DEAD_LETTER_HEADERS, headerText, originalHeaders, participantFromEventsTopic } from '@accord/contracts';
import { AccordError, InvalidRequest } from '@accord/platform';
import { type Caller } from '../auth';
import { HubApiEnvironment } from '../environment';
import { HUB_KAFKA_FAIL_FAST } from '../hub-kafka';
import { DeadLetterReader, type HeldDeadLetter } from './dead-letter-reader';
import type {
  DeadLetterQuery,
  DeadLetterStatus,
  DeadLetterSummary,
  DeadLetterView,
  RedriveRequest,
  RedriveResult,
  RedrivenRecord,
  RefusedRecord,
} from './dto/dead-letter.dto';
import { OpsMetrics } from './ops.metrics';

// Redrives take turns across hub-api instances, so one record is never re-published twice at once.
const REDRIVE_LOCK = 0x61636364_6c71;
// How long a request waits for the hub to have read the DLQ up to its current end.
const CATCH_UP_MS = 3000;

export class DeadLettersUnavailable extends AccordError {
  constructor() {
    super('kafka-unavailable', 'Kafka did not answer; the DLQ cannot be read or redriven now', HttpStatus.SERVICE_UNAVAILABLE);
  }
}

interface RedriveRow {
  dlq_partition: number;
  dlq_offset: string;
  redriven_at: Date;
}

function header(record: HeldDeadLetter, name: string): string | null {
  return headerText(record.headers, name) ?? null;
}

/**
 * The dead-letter queue for ops: what is in it and why, and redrive — re-publishing a
 * record's original key, value and headers to its source topic with
 * `accord_redrive_count` = n + 1. The broker carries that count into the DLQ record if it
 * rejects the record again, so a record that keeps failing stops at OPS_REDRIVE_LIMIT.
 * Which DLQ records were redriven is kept in `dead_letter_redrives` (Kafka topics are
 * append-only), so redriving one twice does nothing the second time.
 */
@Injectable()
export class DeadLettersService implements OnModuleDestroy {
  private readonly logger = new Logger(DeadLettersService.name);
  private readonly redriveLimit: number;
  private readonly producer: LazyClient<Producer>;

  constructor(
    environment: HubApiEnvironment,
    private readonly reader: DeadLetterReader,
    private readonly metrics: OpsMetrics,
    @Inject(HUB_KAFKA_FAIL_FAST) private readonly kafka: Kafka,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    this.redriveLimit = environment.OPS_REDRIVE_LIMIT;
    this.producer = new LazyClient(() =>
      kafka.producer({
        allowAutoTopicCreation: false,
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      }),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.resetProducer();
  }

  private resetProducer(): Promise<void> {
    return this.producer.reset();
  }

  async summary(query: DeadLetterQuery): Promise<DeadLetterSummary> {
    const position = await this.reader.catchUp(CATCH_UP_MS).catch(() => {
      throw new DeadLettersUnavailable();
    });
    const redriven = await this.redrivenRows();
    const now = Date.now();
    const records = this.reader.records();
    const views = records.map((record) => this.view(record, redriven));
    const counts = { pending: 0, redriven: 0, exhausted: 0 };
    const byReason: Record<string, number> = {};
    const pendingByReason: Record<string, number> = {};
    let oldest: number | undefined;
    let oldestPending: number | undefined;
    views.forEach((view, index) => {
      const appendedAt = records[index]!.appendedAt;
      counts[view.status]++;
      byReason[view.reason] = (byReason[view.reason] ?? 0) + 1;
      oldest = Math.min(oldest ?? appendedAt, appendedAt);
      if (view.status === 'pending') {
        pendingByReason[view.reason] = (pendingByReason[view.reason] ?? 0) + 1;
        oldestPending = Math.min(oldestPending ?? appendedAt, appendedAt);
      }
    });
    this.metrics.recordDeadLetters(counts);
    const matching = views.filter(
      (view) =>
        (!query.topic || view.sourceTopic === query.topic) &&
        (!query.reason || view.reason === query.reason) &&
        (!query.status || view.status === query.status),
    );
    const age = (at: number | undefined) => (at === undefined ? null : Math.max(0, Math.round((now - at) / 1000)));
    return {
      depth: position.depth,
      held: views.length,
      complete: position.complete,
      ...counts,
      oldestRecordAgeSeconds: age(oldest),
      oldestPendingAgeSeconds: age(oldestPending),
      byReason,
      pendingByReason,
      redriveLimit: this.redriveLimit,
      matching: matching.length,
      records: matching.reverse().slice(0, query.limit ?? 100),
    };
  }

  async redrive(request: RedriveRequest, caller: Caller): Promise<RedriveResult> {
    if (!request.records === !request.all) {
      throw new InvalidRequest([{ path: 'records', problem: 'name the records to redrive, or set all: true (not both)' }]);
    }
    if (request.records && (request.topic || request.reason)) {
      throw new InvalidRequest([{ path: 'topic', problem: 'topic and reason filter `all`; they cannot be combined with records' }]);
    }
    await this.reader.catchUp(CATCH_UP_MS).catch(() => {
      throw new DeadLettersUnavailable();
    });

    const refused: RefusedRecord[] = [];
    let selected: HeldDeadLetter[];
    if (request.records) {
      selected = [];
      const seen = new Set<string>();
      for (const { partition, offset } of request.records) {
        if (seen.has(`${partition}:${offset}`)) continue;
        seen.add(`${partition}:${offset}`);
        const record = this.reader.find(partition, offset);
        if (record) selected.push(record);
        else refused.push({ partition, offset, reason: 'not-found', message: 'No such record in accord.dlq (or no longer held)' });
      }
    } else {
      selected = this.reader
        .records()
        .filter((record) => (!request.topic || record.letter?.topic === request.topic) && (!request.reason || record.letter?.reason === request.reason));
    }

    const redriven: RedrivenRecord[] = [];
    await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [REDRIVE_LOCK]);
      const done = await this.redrivenRows(manager.query.bind(manager));
      const registered = new Set((await manager.query('SELECT id FROM participants')).map((row: { id: string }) => row.id));
      const sendable: Array<{ record: HeldDeadLetter; topic: string; count: number }> = [];
      for (const record of selected) {
        const reference = { partition: record.partition, offset: record.offset };
        const letter = record.letter;
        // The source topic is whatever the record's headers say: only a registered participant's events topic is a target.
        const source = letter && participantFromEventsTopic(letter.topic);
        if (done.has(key(record))) {
          // Redriving everything passes over what was redriven before; naming it says why not.
          if (request.records) refused.push({ ...reference, reason: 'already-redriven', message: 'This record was redriven before' });
        } else if (!letter) {
          refused.push({ ...reference, reason: 'not-a-dead-letter', message: 'The record carries no dead-letter headers, so its source topic is unknown' });
        } else if (source === undefined || !registered.has(source)) {
          refused.push({ ...reference, reason: 'not-an-events-topic', message: "The record's source topic is not a registered participant's events topic" });
        } else if (header(record, DEAD_LETTER_HEADERS.dropped) !== null) {
          refused.push({ ...reference, reason: 'incomplete', message: 'Parts of the record over the record bounds were not kept, so it cannot be published again' });
        } else if (letter.redriveCount >= this.redriveLimit) {
          refused.push({
            ...reference,
            reason: 'redrive-limit-reached',
            message: `Redriven ${letter.redriveCount} times already; the limit is ${this.redriveLimit}. Fix the source and publish it anew.`,
          });
        } else {
          sendable.push({ record, topic: letter.topic, count: letter.redriveCount + 1 });
        }
      }
      if (sendable.length === 0) return;

      const byTopic = new Map<string, typeof sendable>();
      for (const item of sendable) byTopic.set(item.topic, [...(byTopic.get(item.topic) ?? []), item]);
      const sent: typeof sendable = [];
      for (const [topic, items] of byTopic) {
        const send = async () => {
          const producer = await this.producer.get().catch(() => {
            throw new DeadLettersUnavailable();
          });
          await producer.send({
            topic,
            acks: -1,
            messages: items.map(({ record, count }) => ({
              key: record.key,
              value: record.value,
              headers: { ...originalHeaders(record.headers), [DEAD_LETTER_HEADERS.redriveCount]: String(count) },
            })),
          });
        };
        try {
          // A second try with a fresh producer: kafkajs keeps asking for every topic it sent to, and one deleted since fails them all.
          await send().catch(async (error: unknown) => {
            if (error instanceof DeadLettersUnavailable) throw error;
            await this.resetProducer();
            await send();
          });
          sent.push(...items);
        } catch (error) {
          if (error instanceof DeadLettersUnavailable) throw error;
          this.logger.warn({ err: error, topic }, 'could not redrive to the source topic');
          await this.resetProducer();
          for (const { record } of items) {
            refused.push({ partition: record.partition, offset: record.offset, reason: 'publish-failed', message: `Could not publish to ${topic}` });
          }
        }
      }
      if (sent.length === 0) return;
      // Published first, then recorded in the same transaction: a crash in between redrives a record again, never loses it.
      await manager.query(
        `INSERT INTO dead_letter_redrives (dlq_partition, dlq_offset, target_topic, redrive_count, redriven_by)
         SELECT * FROM unnest($1::int[], $2::bigint[], $3::text[], $4::int[], $5::text[])
         ON CONFLICT DO NOTHING`,
        [
          sent.map(({ record }) => record.partition),
          sent.map(({ record }) => record.offset),
          sent.map(({ topic }) => topic),
          sent.map(({ count }) => count),
          sent.map(() => caller.tokenId),
        ],
      );
      for (const { record, topic, count } of sent) {
        redriven.push({ partition: record.partition, offset: record.offset, topic, eventId: header(record, 'ce_id'), redriveCount: count });
      }
    });
    this.metrics.recordRedrives(redriven.length, refused.length);
    if (redriven.length > 0) this.logger.log({ redriven: redriven.length, refused: refused.length, by: caller.tokenId }, 'dead letters redriven');
    return { redriven, refused, redriveLimit: this.redriveLimit };
  }

  private view(record: HeldDeadLetter, redriven: Map<string, RedriveRow>): DeadLetterView {
    const letter = record.letter;
    const row = redriven.get(key(record));
    let status: DeadLetterStatus = 'pending';
    if (row) status = 'redriven';
    else if (letter && letter.redriveCount >= this.redriveLimit) status = 'exhausted';
    return {
      partition: record.partition,
      offset: record.offset,
      appendedAt: new Date(record.appendedAt).toISOString(),
      rejectedAt: letter?.rejectedAt || null,
      reason: letter?.reason ?? 'unreadable',
      problems: letter?.problems ?? [],
      sourceTopic: letter?.topic ?? null,
      sourcePartition: letter ? letter.partition : null,
      sourceOffset: letter?.offset || null,
      eventId: header(record, 'ce_id'),
      eventType: header(record, 'ce_type'),
      source: header(record, 'ce_source'),
      decisionId: letter?.decisionId || null,
      redriveCount: letter?.redriveCount ?? 0,
      status,
      redrivenAt: row ? row.redriven_at.toISOString() : null,
    };
  }

  private async redrivenRows(query: (sql: string) => Promise<RedriveRow[]> = (sql) => this.dataSource.query(sql)): Promise<Map<string, RedriveRow>> {
    const rows = await query('SELECT dlq_partition, dlq_offset::text AS dlq_offset, redriven_at FROM dead_letter_redrives');
    return new Map(rows.map((row) => [`${row.dlq_partition}:${row.dlq_offset}`, row]));
  }
}

function key(record: { partition: number; offset: string }): string {
  return `${record.partition}:${record.offset}`;
}
