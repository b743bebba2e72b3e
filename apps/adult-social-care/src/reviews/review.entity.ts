import { Column, Entity } from 'typeorm';
import { RecordEntity } from '@accord/domain-service';

/** A completed care and support plan review (`asc.review.completed.v1`). */
@Entity({ name: 'reviews' })
export class ReviewEntity extends RecordEntity {
  @Column({ type: 'text', name: 'review_reason' })
  reviewReason: string;

  @Column({ type: 'boolean', name: 'outcomes_achieved' })
  outcomesAchieved: boolean;

  @Column({ type: 'timestamptz', name: 'completed_at' })
  completedAt: Date;
}
