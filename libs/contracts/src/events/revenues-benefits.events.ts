import { EventType } from './definition';
import { DateField, DateTimeField, EnumField, IntegerField, NumberField, TextField } from './fields';
import { EventDataDto } from './subject.dto';
import { COUNCIL_TAX_DISCOUNTS, DISCRETIONARY_HOUSING_PAYMENT_REASONS, TENURES } from './values';

// Revenues and benefits events, `rb.*` (docs/domain.md, "Event types"). Amounts are pounds.

/** `rb.housing-benefit.assessed.v1` */
@EventType({ type: 'rb.housing-benefit.assessed.v1', publisherSystem: 'revenues-benefits', description: 'A housing benefit claim was assessed' })
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
@EventType({ type: 'rb.council-tax-reduction.awarded.v1', publisherSystem: 'revenues-benefits', description: 'Council tax reduction was awarded' })
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
@EventType({
  type: 'rb.discretionary-housing-payment.awarded.v1',
  publisherSystem: 'revenues-benefits',
  description: 'A discretionary housing payment was awarded',
})
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
@EventType({
  type: 'rb.council-tax.discount-changed.v1',
  publisherSystem: 'revenues-benefits',
  description: 'A council tax discount or exemption changed',
})
export class RbCouncilTaxDiscountChangedV1 extends EventDataDto {
  @TextField({ maxLength: 64 })
  accountReference: string;

  @EnumField(COUNCIL_TAX_DISCOUNTS)
  discount: (typeof COUNCIL_TAX_DISCOUNTS)[number];

  @DateField()
  effectiveFrom: string;
}
