import { AscReviewCompletedV1 } from '@accord/contracts';
import { documentEventRequest } from '@accord/domain-service';

/** `POST /v1/reviews`: the person and the fields of `asc.review.completed.v1`. */
export class ReviewRequest extends AscReviewCompletedV1 {}
documentEventRequest(ReviewRequest, 'asc.review.completed.v1');
