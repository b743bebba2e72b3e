import { PhImmunisationAdministeredV1 } from '@accord/contracts';
import { documentEventRequest } from '@accord/domain-service';

/** `POST /v1/immunisations`: the person and the fields of `ph.immunisation.administered.v1`. */
export class ImmunisationRequest extends PhImmunisationAdministeredV1 {}
documentEventRequest(ImmunisationRequest, 'ph.immunisation.administered.v1');
