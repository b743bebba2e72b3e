import { RbCouncilTaxReductionAwardedV1 } from '@accord/contracts';
import { documentEventRequest } from '@accord/domain-service';

/** `POST /v1/council-tax-reductions`: the person and the fields of `rb.council-tax-reduction.awarded.v1`. */
export class CouncilTaxReductionRequest extends RbCouncilTaxReductionAwardedV1 {}
documentEventRequest(CouncilTaxReductionRequest, 'rb.council-tax-reduction.awarded.v1');
