import { HttpStatus } from '@nestjs/common';
import { AccordError, type Problem } from '@accord/platform';

/** The stable codes of publishing over HTTPS. Messages name no event content. */
export enum EventsErrorCode {
  PublisherNotBound = 'publisher-not-bound',
  PublisherNotRegistered = 'publisher-not-registered',
  PublisherSuspended = 'publisher-suspended',
  Invalid = 'events-invalid',
  IdConflict = 'event-id-conflict',
}

/** Only a token bound to a participant publishes, and only as that participant. */
export class PublisherNotBound extends AccordError {
  constructor() {
    super(EventsErrorCode.PublisherNotBound, 'Publishing needs a token bound to the participant that publishes (POST /v1/tokens with participant)', HttpStatus.FORBIDDEN);
  }
}

export class PublisherNotRegistered extends AccordError {
  constructor() {
    super(EventsErrorCode.PublisherNotRegistered, "The token's participant is not registered", HttpStatus.FORBIDDEN);
  }
}

/** A suspended participant publishes nothing, over Kafka (its ACLs are gone) or over HTTPS. */
export class PublisherSuspended extends AccordError {
  constructor() {
    super(EventsErrorCode.PublisherSuspended, "The token's participant is suspended", HttpStatus.FORBIDDEN);
  }
}

export class EventsInvalid extends AccordError {
  constructor(problems: Problem[]) {
    super(EventsErrorCode.Invalid, 'Nothing of this request was published: every problem of every event is listed', HttpStatus.BAD_REQUEST, problems);
  }
}

/** An id already accepted with other content: publishing it would be a `duplicate-id-conflict` at the broker. */
export class EventIdConflict extends AccordError {
  constructor(problems: Problem[]) {
    super(EventsErrorCode.IdConflict, 'Nothing of this request was published: an id was already published with other content', HttpStatus.CONFLICT, problems);
  }
}
