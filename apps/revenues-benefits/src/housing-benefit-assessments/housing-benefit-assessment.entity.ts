import { Column, Entity } from 'typeorm';
import { numeric, RecordEntity } from '@accord/domain-service';

/** An assessed housing benefit claim (`rb.housing-benefit.assessed.v1`). */
@Entity({ name: 'housing_benefit_assessments' })
export class HousingBenefitAssessmentEntity extends RecordEntity {
  @Column({ type: 'text', name: 'claim_reference' })
  claimReference: string;

  @Column({ type: 'text' })
  tenure: string;

  @Column({ type: 'numeric', name: 'eligible_rent', transformer: numeric })
  eligibleRent: number;

  @Column({ type: 'numeric', name: 'weekly_award', transformer: numeric })
  weeklyAward: number;

  @Column({ type: 'date', name: 'effective_from' })
  effectiveFrom: string;
}
