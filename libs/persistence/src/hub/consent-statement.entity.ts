import { Column, Entity, PrimaryColumn } from 'typeorm';

export type ConsentKind = 'grant' | 'withdraw' | 'object' | 'national-opt-out' | 'national-opt-out-removed';

/**
 * One statement about one person. The person is held as keyed hashes of the NHS and/or
 * NI number (the same keyed hash as the audit log's subjectKey), never the raw number.
 */
@Entity({ name: 'consent_statements' })
export class ConsentStatementEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  /** Order of recording: the last tie-breaker of consent precedence. */
  @Column({ type: 'bigint', name: 'recorded_seq', insert: false, update: false })
  recordedSeq: string;

  @Column({ type: 'text', name: 'nhs_key', nullable: true })
  nhsKey: string | null;

  @Column({ type: 'text', name: 'ni_key', nullable: true })
  niKey: string | null;

  @Column({ type: 'text' })
  kind: ConsentKind;

  @Column({ type: 'text', name: 'scope_purpose', nullable: true })
  scopePurpose: string | null;

  @Column({ type: 'text', name: 'scope_recipient', nullable: true })
  scopeRecipient: string | null;

  @Column({ type: 'text', name: 'scope_agreement_id', nullable: true })
  scopeAgreementId: string | null;

  @Column({ type: 'timestamptz', name: 'effective_from' })
  effectiveFrom: Date;

  @Column({ type: 'timestamptz', name: 'recorded_at', insert: false, update: false })
  recordedAt: Date;

  @Column({ type: 'text', name: 'recorded_by', nullable: true })
  recordedBy: string | null;

  @Column({ type: 'text', nullable: true })
  evidence: string | null;
}
