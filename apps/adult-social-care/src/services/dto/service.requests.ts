import { PickType } from '@nestjs/swagger';
import { AscServiceEndedV1, AscServiceStartedV1 } from '@accord/contracts';
import { documentEventRequest } from '@accord/domain-service';

/** `POST /v1/services`: the person and the fields of `asc.service.started.v1`. */
export class StartServiceRequest extends AscServiceStartedV1 {}
documentEventRequest(StartServiceRequest, 'asc.service.started.v1');

/** `POST /v1/services/{id}/end`: the rest of `asc.service.ended.v1` comes from the stored service. */
export class EndServiceRequest extends PickType(AscServiceEndedV1, ['endDate', 'endReason'] as const) {}
documentEventRequest(EndServiceRequest, 'asc.service.ended.v1', { only: ['endDate', 'endReason'] });
