import { recordColumnDrift } from '@accord/domain-service';
import { ENTITIES } from './app.module';
import { CouncilTaxDiscountEntity } from './council-tax-discounts/council-tax-discount.entity';
import { CouncilTaxReductionEntity } from './council-tax-reductions/council-tax-reduction.entity';
import { DiscretionaryHousingPaymentEntity } from './discretionary-housing-payments/discretionary-housing-payment.entity';
import { HousingBenefitAssessmentEntity } from './housing-benefit-assessments/housing-benefit-assessment.entity';

describe('revenues-benefits record tables', () => {
  it('have a column for every field of the events they store, of a type and nullability that holds it, and no other', () => {
    expect(
      recordColumnDrift(ENTITIES, [
        { entity: HousingBenefitAssessmentEntity, eventTypes: ['rb.housing-benefit.assessed.v1'] },
        { entity: CouncilTaxReductionEntity, eventTypes: ['rb.council-tax-reduction.awarded.v1'] },
        { entity: DiscretionaryHousingPaymentEntity, eventTypes: ['rb.discretionary-housing-payment.awarded.v1'] },
        { entity: CouncilTaxDiscountEntity, eventTypes: ['rb.council-tax.discount-changed.v1'] },
      ]),
    ).toEqual([]);
  });
});
