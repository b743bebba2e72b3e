import { Column, Entity } from 'typeorm';
import { RecordEntity } from '@accord/domain-service';

/** A completed Care Act needs or financial assessment (`asc.assessment.completed.v1`). */
@Entity({ name: 'assessments' })
export class AssessmentEntity extends RecordEntity {
  @Column({ type: 'text', name: 'assessment_type' })
  assessmentType: string;

  @Column({ type: 'boolean', name: 'eligible_needs_identified' })
  eligibleNeedsIdentified: boolean;

  @Column({ type: 'text', name: 'primary_support_reason', nullable: true })
  primarySupportReason: string | null;

  @Column({ type: 'boolean', name: 'has_unpaid_carer' })
  hasUnpaidCarer: boolean;

  @Column({ type: 'timestamptz', name: 'completed_at' })
  completedAt: Date;

  @Column({ type: 'text', nullable: true })
  team: string | null;
}
