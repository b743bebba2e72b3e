import { RbHousingBenefitAssessedV1 } from '@accord/contracts';
import { documentEventRequest } from '@accord/domain-service';

/** `POST /v1/housing-benefit-assessments`: the person and the fields of `rb.housing-benefit.assessed.v1`. */
export class HousingBenefitAssessmentRequest extends RbHousingBenefitAssessedV1 {}
documentEventRequest(HousingBenefitAssessmentRequest, 'rb.housing-benefit.assessed.v1');
