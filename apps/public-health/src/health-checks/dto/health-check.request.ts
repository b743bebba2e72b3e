import { PhHealthCheckCompletedV1 } from '@accord/contracts';
import { documentEventRequest } from '@accord/domain-service';

/** `POST /v1/health-checks`: the person and the fields of `ph.health-check.completed.v1`. */
export class HealthCheckRequest extends PhHealthCheckCompletedV1 {}
documentEventRequest(HealthCheckRequest, 'ph.health-check.completed.v1');
