import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Work created from a record shared with this participant, with the terms it was shared under. */
@Entity({ name: 'work_items' })
export class WorkItemEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'bigint', insert: false, update: false })
  seq: string;

  /** The recipient participant (data controller) the work belongs to. */
  @Column({ type: 'text' })
  participant: string;

  @Column({ type: 'text' })
  kind: string;

  @Column({ type: 'text' })
  summary: string;

  @Column({ type: 'jsonb' })
  details: Record<string, unknown>;

  @Column({ type: 'text', name: 'event_id' })
  eventId: string;

  @Column({ type: 'text', name: 'event_type' })
  eventType: string;

  /** The participant that published the original event. */
  @Column({ type: 'text' })
  source: string;

  @Column({ type: 'text', name: 'event_time', nullable: true })
  eventTime: string | null;

  /** `<agreement id>@<version>` it was shared under. */
  @Column({ type: 'text' })
  agreement: string;

  @Column({ type: 'text' })
  purpose: string;

  @Column({ type: 'text', name: 'decision_id' })
  decisionId: string;

  /** The projected record as received: lawfully shared to this controller, kept for the worker. */
  @Column({ type: 'jsonb' })
  record: Record<string, unknown>;

  @Column({ type: 'timestamptz', name: 'received_at', insert: false, update: false })
  receivedAt: Date;
}
