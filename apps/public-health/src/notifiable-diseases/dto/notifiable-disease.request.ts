import { PhNotifiableDiseaseNotifiedV1 } from '@accord/contracts';
import { documentEventRequest } from '@accord/domain-service';

/** `POST /v1/notifiable-diseases`: the person and the fields of `ph.notifiable-disease.notified.v1`. */
export class NotifiableDiseaseRequest extends PhNotifiableDiseaseNotifiedV1 {}
documentEventRequest(NotifiableDiseaseRequest, 'ph.notifiable-disease.notified.v1');
