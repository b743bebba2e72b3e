import { AscAssessmentCompletedV1 } from '@accord/contracts';
import { documentEventRequest } from '@accord/domain-service';

/** `POST /v1/assessments`: the person and the fields of `asc.assessment.completed.v1`. */
export class AssessmentRequest extends AscAssessmentCompletedV1 {}
documentEventRequest(AssessmentRequest, 'asc.assessment.completed.v1');
