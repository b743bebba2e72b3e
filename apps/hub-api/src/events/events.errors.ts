import { HttpStatus } from '@nestjs/common';
import { AccordError, type Problem } from '@accord/platform';

/** The stable codes of publishing over HTTPS. Messages name no event content. */
export enum EventsErrorCode {
  Invalid = 'events-invalid',
  IdConflict = 'event-id-conflict',
  TooMany = 'too-many-events',
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

/** A participant went over ACCORD_PUBLISH_EVENTS_PER_MINUTE: nothing of the request was published. */
export class TooManyEvents extends AccordError {
  constructor(perMinute: number, retryAfterSeconds: number) {
    super(EventsErrorCode.TooMany, `Nothing of this request was published: at most ${perMinute} events a minute per participant`, HttpStatus.TOO_MANY_REQUESTS);
    this.headers = { 'Retry-After': String(retryAfterSeconds) };
  }
}
