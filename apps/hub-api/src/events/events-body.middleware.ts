import { json } from 'express';
import { routeBody } from '@accord/platform';
import { CLOUDEVENTS_BATCH_MEDIA_TYPE, CLOUDEVENTS_MEDIA_TYPE, MAX_EVENTS_BODY_BYTES } from './cloudevents-http';

/**
 * Nest's JSON parser reads `application/json` only (binary mode). This reads the
 * CloudEvents media types (structured mode and batches) on the events route alone, within
 * MAX_EVENTS_BODY_BYTES.
 */
export const cloudEventsBody = routeBody(
  json({ type: [CLOUDEVENTS_MEDIA_TYPE, CLOUDEVENTS_BATCH_MEDIA_TYPE], limit: MAX_EVENTS_BODY_BYTES }),
  `A publish request may be at most ${MAX_EVENTS_BODY_BYTES / 1024} KiB`,
);
