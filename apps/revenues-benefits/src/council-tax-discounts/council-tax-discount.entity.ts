import { Column, Entity } from 'typeorm';
import { RecordEntity } from '@accord/domain-service';

/** A changed council tax discount or exemption (`rb.council-tax.discount-changed.v1`). */
@Entity({ name: 'council_tax_discounts' })
export class CouncilTaxDiscountEntity extends RecordEntity {
  @Column({ type: 'text', name: 'account_reference' })
  accountReference: string;

  @Column({ type: 'text' })
  discount: string;

  @Column({ type: 'date', name: 'effective_from' })
  effectiveFrom: string;
}
