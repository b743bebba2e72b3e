import { Column, Entity } from 'typeorm';
import { numeric, RecordEntity } from '@accord/domain-service';

/** An awarded council tax reduction (`rb.council-tax-reduction.awarded.v1`). */
@Entity({ name: 'council_tax_reductions' })
export class CouncilTaxReductionEntity extends RecordEntity {
  @Column({ type: 'text', name: 'account_reference' })
  accountReference: string;

  @Column({ type: 'numeric', name: 'weekly_reduction', transformer: numeric })
  weeklyReduction: number;

  @Column({ type: 'integer', name: 'household_size' })
  householdSize: number;

  @Column({ type: 'date', name: 'effective_from' })
  effectiveFrom: string;
}
