import { RbDiscretionaryHousingPaymentAwardedV1 } from '@accord/contracts';
import { documentEventRequest } from '@accord/domain-service';

/** `POST /v1/discretionary-housing-payments`: the person and the fields of `rb.discretionary-housing-payment.awarded.v1`. */
export class DiscretionaryHousingPaymentRequest extends RbDiscretionaryHousingPaymentAwardedV1 {}
documentEventRequest(DiscretionaryHousingPaymentRequest, 'rb.discretionary-housing-payment.awarded.v1');
