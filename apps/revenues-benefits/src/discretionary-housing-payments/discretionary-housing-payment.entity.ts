import { Column, Entity } from 'typeorm';
import { numeric, RecordEntity } from '@accord/domain-service';

/** An awarded discretionary housing payment (`rb.discretionary-housing-payment.awarded.v1`). */
@Entity({ name: 'discretionary_housing_payments' })
export class DiscretionaryHousingPaymentEntity extends RecordEntity {
  @Column({ type: 'text' })
  reason: string;

  @Column({ type: 'numeric', name: 'weekly_amount', transformer: numeric })
  weeklyAmount: number;

  @Column({ type: 'integer' })
  weeks: number;

  @Column({ type: 'timestamptz', name: 'awarded_at' })
  awardedAt: Date;
}
