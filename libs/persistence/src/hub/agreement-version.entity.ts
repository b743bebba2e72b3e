import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One immutable version of a data-sharing agreement; every change (apply, suspend, resume) adds one. */
@Entity({ name: 'agreement_versions' })
export class AgreementVersionEntity {
  @PrimaryColumn({ type: 'text', name: 'agreement_id' })
  agreementId: string;

  @PrimaryColumn({ type: 'integer' })
  version: number;

  @Column({ type: 'text' })
  status: 'draft' | 'active' | 'suspended';

  @Column({ type: 'text' })
  provider: string;

  /** The validated agreement document as applied (JSON). */
  @Column({ type: 'jsonb' })
  document: Record<string, unknown>;

  @Column({ type: 'text', name: 'document_digest' })
  documentDigest: string;

  /** `applied`, `suspended` or `resumed`. */
  @Column({ type: 'text' })
  change: string;

  @Column({ type: 'text', name: 'applied_by', nullable: true })
  appliedBy: string | null;

  @Column({ type: 'timestamptz', name: 'applied_at', default: () => 'now()' })
  appliedAt: Date;
}
