import { Controller, HttpCode, HttpStatus, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentCaller, RequireRoles, type Caller } from '../auth';
import { CLOUDEVENTS_BATCH_MEDIA_TYPE, CLOUDEVENTS_MEDIA_TYPE, MAX_EVENTS_BODY_BYTES, MAX_EVENTS_PER_REQUEST } from './cloudevents-http';
import { PublishedEventsView } from './dto/published-events.view';
import { EventsService } from './events.service';

@ApiTags('events')
@ApiBearerAuth()
@RequireRoles('publisher')
@Controller('v1/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Publish CloudEvents over HTTPS, as the participant the token is bound to',
    description:
      `The CloudEvents HTTP binding: one event in structured mode (\`${CLOUDEVENTS_MEDIA_TYPE}\`), one in binary mode ` +
      '(`ce-specversion`, `ce-id`, `ce-source`, `ce-type`, `ce-time` headers, the data as an `application/json` body), or up to ' +
      `${MAX_EVENTS_PER_REQUEST} in a batch (\`${CLOUDEVENTS_BATCH_MEDIA_TYPE}\`), in at most ${MAX_EVENTS_BODY_BYTES / 1024} KiB. ` +
      '`source` must be `urn:accord:<the token\'s participant>`. Each event is checked exactly as the sharing broker checks a record on ' +
      'an events topic; one invalid event and nothing of the request is published (400, every problem listed). Valid events go to ' +
      "the participant's events topic in the standard envelope (202). A retry with the same ids publishes nothing new; an id " +
      'already used with other content is a 409.',
  })
  @ApiConsumes(CLOUDEVENTS_MEDIA_TYPE, CLOUDEVENTS_BATCH_MEDIA_TYPE, 'application/json')
  @ApiBody({ schema: { oneOf: [{ type: 'object' }, { type: 'array', items: { type: 'object' }, maxItems: MAX_EVENTS_PER_REQUEST }] } })
  @ApiAcceptedResponse({ type: PublishedEventsView })
  publish(@Req() request: Request, @CurrentCaller() caller: Caller): Promise<PublishedEventsView> {
    return this.events.publish(caller, { headers: request.headers, body: request.body });
  }
}
