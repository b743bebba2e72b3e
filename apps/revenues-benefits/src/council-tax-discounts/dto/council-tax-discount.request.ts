import { RbCouncilTaxDiscountChangedV1 } from '@accord/contracts';
import { documentEventRequest } from '@accord/domain-service';

/** `POST /v1/council-tax-discounts`: the person and the fields of `rb.council-tax.discount-changed.v1`. */
export class CouncilTaxDiscountRequest extends RbCouncilTaxDiscountChangedV1 {}
documentEventRequest(CouncilTaxDiscountRequest, 'rb.council-tax.discount-changed.v1');
