import { InboxController } from '@accord/domain-service';
import { openApiDocumentOf } from '@accord/testing';
import { CouncilTaxDiscountsController } from './council-tax-discounts/council-tax-discounts.controller';
import { CouncilTaxReductionsController } from './council-tax-reductions/council-tax-reductions.controller';
import { DiscretionaryHousingPaymentsController } from './discretionary-housing-payments/discretionary-housing-payments.controller';
import { HousingBenefitAssessmentsController } from './housing-benefit-assessments/housing-benefit-assessments.controller';

describe('revenues-benefits OpenAPI', () => {
  it('documents every POST endpoint with its request schema and the Accord-Participant header', async () => {
    const document = await openApiDocumentOf([
      HousingBenefitAssessmentsController,
      CouncilTaxReductionsController,
      DiscretionaryHousingPaymentsController,
      CouncilTaxDiscountsController,
      InboxController,
    ]);
    for (const path of ['/v1/housing-benefit-assessments', '/v1/council-tax-reductions', '/v1/discretionary-housing-payments', '/v1/council-tax-discounts']) {
      expect(document.paths[path]?.post?.requestBody).toBeDefined();
      expect(document.paths[path]?.post?.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Accord-Participant', in: 'header' })]));
    }
    expect(document.components?.schemas?.HousingBenefitAssessmentRequest).toMatchObject({ properties: { effectiveFrom: { format: 'date' } } });
  });
});
