import { COUNCIL_TAX_DISCOUNTS, DISCRETIONARY_HOUSING_PAYMENT_REASONS, TENURES } from '../event-catalog';
import { DateField, DateTimeField, EnumField, IntegerField, NumberField, TextField } from './fields';
import { EventDataDto } from './subject.dto';

// Revenues and benefits events, DOMAIN.md `rb.*`. Amounts are pounds.

/** `rb.housing-benefit.assessed.v1` */
export class RbHousingBenefitAssessedV1 extends EventDataDto {
  @TextField({ maxLength: 64 })
  claimReference: string;

  @EnumField(TENURES)
  tenure: (typeof TENURES)[number];

  @NumberField({ min: 0 })
  eligibleRent: number;

  @NumberField({ min: 0 })
  weeklyAward: number;

  @DateField()
  effectiveFrom: string;
}

/** `rb.council-tax-reduction.awarded.v1` */
export class RbCouncilTaxReductionAwardedV1 extends EventDataDto {
  @TextField({ maxLength: 64 })
  accountReference: string;

  @NumberField({ min: 0 })
  weeklyReduction: number;

  @IntegerField({ min: 1 })
  householdSize: number;

  @DateField()
  effectiveFrom: string;
}

/** `rb.discretionary-housing-payment.awarded.v1` */
export class RbDiscretionaryHousingPaymentAwardedV1 extends EventDataDto {
  @EnumField(DISCRETIONARY_HOUSING_PAYMENT_REASONS)
  reason: (typeof DISCRETIONARY_HOUSING_PAYMENT_REASONS)[number];

  @NumberField({ min: 0 })
  weeklyAmount: number;

  @IntegerField({ min: 1 })
  weeks: number;

  @DateTimeField()
  awardedAt: string;
}

/** `rb.council-tax.discount-changed.v1` */
export class RbCouncilTaxDiscountChangedV1 extends EventDataDto {
  @TextField({ maxLength: 64 })
  accountReference: string;

  @EnumField(COUNCIL_TAX_DISCOUNTS)
  discount: (typeof COUNCIL_TAX_DISCOUNTS)[number];

  @DateField()
  effectiveFrom: string;
}
