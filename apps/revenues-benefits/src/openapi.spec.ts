import { InboxController } from '@accord/domain-service';
import { documentedAccess, domainRoleFor, openApiDocumentOf } from '@accord/testing';
import { CouncilTaxDiscountsController } from './council-tax-discounts/council-tax-discounts.controller';
import { CouncilTaxReductionsController } from './council-tax-reductions/council-tax-reductions.controller';
import { DiscretionaryHousingPaymentsController } from './discretionary-housing-payments/discretionary-housing-payments.controller';
import { HousingBenefitAssessmentsController } from './housing-benefit-assessments/housing-benefit-assessments.controller';

const CONTROLLERS = [HousingBenefitAssessmentsController, CouncilTaxReductionsController, DiscretionaryHousingPaymentsController, CouncilTaxDiscountsController, InboxController];

describe('revenues-benefits OpenAPI', () => {
  it('documents every POST endpoint with its request schema and the Accord-Participant header', async () => {
    const document = await openApiDocumentOf(CONTROLLERS);
    for (const path of ['/v1/housing-benefit-assessments', '/v1/council-tax-reductions', '/v1/discretionary-housing-payments', '/v1/council-tax-discounts']) {
      expect(document.paths[path]?.post?.requestBody).toBeDefined();
      expect(document.paths[path]?.post?.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Accord-Participant', in: 'header' })]));
    }
    expect(document.components?.schemas?.HousingBenefitAssessmentRequest).toMatchObject({ properties: { effectiveFrom: { format: 'date' } } });
  });

  it('says every operation needs a bearer token with its role (publisher writes, reader reads); Accord-Participant only narrows', async () => {
    const access = documentedAccess(await openApiDocumentOf(CONTROLLERS));
    expect(access.map((entry) => entry.operation)).toHaveLength(13);
    const contract = access.map(({ operation }) => ({ operation, bearer: true, role: domainRoleFor(operation.split(' ')[0]!), participantHeader: 'optional' }));
    expect(access).toEqual(contract);
  });
});
