import { HttpStatus } from '@nestjs/common';
import { AccordError } from '@accord/platform';

/** The stable codes of partner delivery over HTTPS. */
export enum DeliveryErrorCode {
  PullNotEnabled = 'pull-feed-not-enabled',
  SubscriptionNotFound = 'subscription-not-found',
  CursorAhead = 'cursor-ahead',
  TooManyWaiting = 'too-many-waiting-pulls',
}

export class PullNotEnabled extends AccordError {
  constructor() {
    super(DeliveryErrorCode.PullNotEnabled, "The token's participant has no pull feed; an admin enables it with PUT /v1/participants/{id}/subscription", HttpStatus.NOT_FOUND);
  }
}

export class SubscriptionNotFound extends AccordError {
  constructor() {
    super(DeliveryErrorCode.SubscriptionNotFound, 'The participant receives over Kafka only: it has no subscription', HttpStatus.NOT_FOUND);
  }
}

/** Acknowledging past the last record delivered would skip records not yet seen. */
export class CursorAhead extends AccordError {
  constructor() {
    super(DeliveryErrorCode.CursorAhead, 'The cursor is past the last record of this feed', HttpStatus.BAD_REQUEST, [
      { path: 'cursor', problem: 'must be the cursor of a record this feed returned' },
    ]);
  }
}

export class TooManyWaiting extends AccordError {
  constructor(limit: number, retryAfterSeconds: number) {
    super(DeliveryErrorCode.TooManyWaiting, `At most ${limit} pulls of one participant may wait at once`, HttpStatus.TOO_MANY_REQUESTS);
    this.headers = { 'Retry-After': String(retryAfterSeconds) };
  }
}
