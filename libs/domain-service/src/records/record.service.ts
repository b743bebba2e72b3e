import { randomUUID } from 'node:crypto';
import { HttpStatus } from '@nestjs/common';
import type { DeepPartial, Repository } from 'typeorm';
import { AccordError } from '@accord/platform';
import { DEFAULT_PAGE_SIZE, pageOf, type Page, type PageQuery } from './page';
import type { RecordEntity, SubjectData } from './record.entity';
import type { RecordWriter } from './record-writer';

export class RecordNotFound extends AccordError {
  constructor() {
    super('record-not-found', 'No such record for this participant', HttpStatus.NOT_FOUND);
  }
}

/** A record as the API returns it: its fields, never the internal ordering column. */
export type RecordView<E extends RecordEntity> = Omit<E, 'seq'>;

export function recordView<E extends RecordEntity>(row: E): RecordView<E> {
  const { seq: _seq, ...view } = row;
  return view;
}

/**
 * Create / get / list for one kind of record that publishes one event type. A feature's
 * service extends it with its repository and event type; what differs per record (the
 * mapping to columns, follow-up events such as "service ended") lives in the subclass.
 */
export abstract class RecordService<E extends RecordEntity> {
  protected constructor(
    protected readonly repository: Repository<E>,
    protected readonly writer: RecordWriter,
    protected readonly eventType: string,
  ) {}

  /** Stores the record for `participant` and publishes its event, atomically. */
  async create(participant: string, request: object): Promise<RecordView<E>> {
    const data = this.writer.eventData(this.eventType, request);
    const subject = data.subject as SubjectData;
    const eventId = randomUUID();
    const row = this.repository.create({
      ...this.columnsFrom(data),
      id: randomUUID(),
      participant,
      eventId,
      subject,
      subjectLocalId: subject.localId,
    } as DeepPartial<E>);
    return recordView(await this.writer.write(participant, row, { id: eventId, type: this.eventType, data }));
  }

  async get(participant: string, id: string): Promise<RecordView<E>> {
    return recordView(await this.find(participant, id));
  }

  /** The participant's records, newest first. */
  async list(participant: string, query: PageQuery): Promise<Page<RecordView<E>>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const builder = this.repository
      .createQueryBuilder('record')
      .where('record.participant = :participant', { participant })
      .orderBy('record.seq', 'DESC')
      .limit(limit + 1);
    if (query.cursor) builder.andWhere('record.seq < :cursor', { cursor: query.cursor });
    return pageOf(await builder.getMany(), limit, recordView);
  }

  protected async find(participant: string, id: string): Promise<E> {
    const row = await this.repository.createQueryBuilder('record').where('record.id = :id AND record.participant = :participant', { id, participant }).getOne();
    if (!row) throw new RecordNotFound();
    return row;
  }

  /** The record's own columns from the event data: by default every field but `subject`, by name. */
  protected columnsFrom(data: Record<string, unknown>): Partial<E> {
    const { subject: _subject, ...fields } = data;
    return fields as Partial<E>;
  }
}
