import { Injectable, type NestMiddleware } from '@nestjs/common';
import { json } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { parseBody } from '@accord/platform';
import { CLOUDEVENTS_BATCH_MEDIA_TYPE, CLOUDEVENTS_MEDIA_TYPE, MAX_EVENTS_BODY_BYTES } from './cloudevents-http';

const TOO_LARGE = `A publish request may be at most ${MAX_EVENTS_BODY_BYTES / 1024} KiB`;

/**
 * Nest's JSON parser reads `application/json` only (binary mode). This reads the
 * CloudEvents media types (structured mode and batches) on the events route alone, within
 * MAX_EVENTS_BODY_BYTES; errors go through the exception filter in the one error format.
 */
@Injectable()
export class EventsBodyMiddleware implements NestMiddleware {
  private readonly parse = json({ type: [CLOUDEVENTS_MEDIA_TYPE, CLOUDEVENTS_BATCH_MEDIA_TYPE], limit: MAX_EVENTS_BODY_BYTES });

  async use(request: Request, response: Response, next: NextFunction): Promise<void> {
    await parseBody(this.parse, request, response, TOO_LARGE);
    next();
  }
}
