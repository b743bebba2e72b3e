import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A row of the audit log (CONTRACT.md §5): digests and field names, never the shared data. */
@Entity({ name: 'decisions' })
export class DecisionEntity {
  @PrimaryColumn({ type: 'bigint' })
  seq: string;

  @Column({ type: 'uuid', name: 'decision_id' })
  decisionId: string;

  @Column({ type: 'text', name: 'event_id', nullable: true })
  eventId: string | null;

  @Column({ type: 'text', name: 'event_type', nullable: true })
  eventType: string | null;

  @Column({ type: 'text', nullable: true })
  source: string | null;

  @Column({ type: 'text', nullable: true })
  recipient: string | null;

  @Column({ type: 'text', name: 'agreement_id', nullable: true })
  agreementId: string | null;

  @Column({ type: 'integer', name: 'agreement_version', nullable: true })
  agreementVersion: number | null;

  @Column({ type: 'text', nullable: true })
  purpose: string | null;

  @Column({ type: 'jsonb', name: 'lawful_basis', nullable: true })
  lawfulBasis: Record<string, unknown> | null;

  @Column({ type: 'text' })
  outcome: 'shared' | 'withheld' | 'rejected';

  @Column({ type: 'text', array: true })
  reasons: string[];

  @Column({ type: 'text', array: true, name: 'fields_released' })
  fieldsReleased: string[];

  @Column({ type: 'text', array: true, name: 'fields_withheld' })
  fieldsWithheld: string[];

  @Column({ type: 'text', array: true, name: 'consent_refs' })
  consentRefs: string[];

  @Column({ type: 'text', name: 'subject_key', nullable: true })
  subjectKey: string | null;

  @Column({ type: 'text', name: 'payload_digest', nullable: true })
  payloadDigest: string | null;

  @Column({ type: 'text' })
  topic: string;

  @Column({ type: 'integer', name: 'kafka_partition' })
  partition: number;

  @Column({ type: 'text', name: 'kafka_offset' })
  offset: string;

  @Column({ type: 'timestamptz', name: 'decided_at' })
  decidedAt: Date;

  @Column({ type: 'text', name: 'prev_hash' })
  prevHash: string;

  @Column({ type: 'text' })
  hash: string;
}
