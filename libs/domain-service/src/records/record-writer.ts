import { randomUUID } from 'node:crypto';
import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Message } from 'kafkajs';
import { DataSource } from 'typeorm';
import { encodeEvent, eventsTopic, validateEventData } from '@accord/contracts';
import { enqueue, type OutboxMessage } from '@accord/kafka';
import { AccordError } from '@accord/platform';
import { OutboxPublisher } from '../outbox/outbox-publisher';
import type { RecordEntity } from './record.entity';

export interface DomainEvent {
  /** `ce_id`; a new one when absent. */
  id?: string;
  type: string;
  data: Record<string, unknown>;
}

/**
 * Writes a business row and the event about it in ONE transaction (the transactional
 * outbox): both commit or neither does, and the relay publishes the event afterwards,
 * so a write succeeds while Kafka is down and no event is ever lost or invented.
 */
@Injectable()
export class RecordWriter {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly publisher: OutboxPublisher,
  ) {}

  /**
   * The event data, checked against the contract and normalised. The request DTO already
   * validated it; this is the last check that what we publish is what partners expect.
   */
  eventData(type: string, data: object): Record<string, unknown> {
    const result = validateEventData(type, withoutNulls(data));
    if (!result.ok) {
      throw new AccordError('invalid-event', 'The record does not make a valid event', HttpStatus.UNPROCESSABLE_ENTITY, result.problems);
    }
    return result.value as Record<string, unknown>;
  }

  /** Saves `row` (insert or update) and enqueues `event` as published by `participant`. */
  async write<E extends RecordEntity>(participant: string, row: E, event: DomainEvent): Promise<E> {
    const eventId = event.id ?? randomUUID();
    const message = encodeEvent({ id: eventId, source: participant, type: event.type, data: event.data });
    const saved = await this.dataSource.transaction(async (manager) => {
      const stored = await manager.save(row);
      await enqueue(manager, [outboxMessage(eventsTopic(participant), eventId, message)]);
      return stored;
    });
    this.publisher.nudge();
    return saved;
  }
}

function text(value: Buffer | string | null | undefined): string {
  if (value === null || value === undefined) return '';
  return Buffer.isBuffer(value) ? value.toString('utf8') : value;
}

export function outboxMessage(topic: string, eventId: string, message: Message): OutboxMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.map(text).join(',') : text(value);
  }
  return { eventId, topic, key: text(message.key), headers, value: text(message.value) };
}

/** Optional columns are NULL in Postgres and absent in events. */
export function withoutNulls<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== null && item !== undefined)) as T;
}
