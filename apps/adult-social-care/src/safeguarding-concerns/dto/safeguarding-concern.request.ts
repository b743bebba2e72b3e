import { AscSafeguardingConcernRaisedV1 } from '@accord/contracts';
import { documentEventRequest } from '@accord/domain-service';

/** `POST /v1/safeguarding-concerns`: the person and the fields of `asc.safeguarding.concern-raised.v1`. */
export class SafeguardingConcernRequest extends AscSafeguardingConcernRaisedV1 {}
documentEventRequest(SafeguardingConcernRequest, 'asc.safeguarding.concern-raised.v1');
