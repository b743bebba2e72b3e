import type { IncomingHttpHeaders } from 'node:http';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { DataSource } from 'typeorm';
import { enqueueOnce } from '@accord/kafka';
import type { Caller } from '../auth';
import { HubApiEnvironment } from '../environment';
import { HubOutbox } from '../outbox';
import { actingParticipant } from '../participants';
import { readCloudEvents } from './cloudevents-http';
import type { PublishedEventsView } from './dto/published-events.view';
import { EventIdConflict, EventsInvalid, TooManyEvents } from './events.errors';

/**
 * Publishing over HTTPS (docs/contract.md, "Publishing over HTTPS"): a partner without a
 * Kafka client sends CloudEvents, and each valid one is written to its events topic exactly
 * as a Kafka partner would write it, through hub-api's outbox. All of a request or none of
 * it: one invalid event, or one id already used for other content, and nothing of the
 * request is enqueued. A retry with the same ids and content enqueues nothing new while the
 * outbox remembers them (its relay's retention: 7 days after publishing); after that the
 * broker still decides a repeated id only once.
 */
@Injectable()
export class EventsService {
  private readonly limiter: RateLimiterMemory;
  private readonly perMinute: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: HubOutbox,
    environment: HubApiEnvironment,
  ) {
    this.perMinute = environment.ACCORD_PUBLISH_EVENTS_PER_MINUTE;
    this.limiter = new RateLimiterMemory({ points: this.perMinute, duration: 60 });
  }

  /** Counts a request's events against its participant's minute (rate-limiter-flexible, in memory). */
  private async limit(participant: string, events: number): Promise<void> {
    try {
      await this.limiter.consume(participant, events);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw new TooManyEvents(this.perMinute, Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
      throw rejection;
    }
  }

  async publish(caller: Caller, request: { headers: IncomingHttpHeaders; body: unknown }): Promise<PublishedEventsView> {
    const participant = await actingParticipant(this.dataSource.manager, caller, 'Publishing');

    const read = readCloudEvents(request, participant);
    await this.limit(participant, read.sent);
    if (!read.ok) throw new EventsInvalid(read.problems);
    const outcomes = await this.dataSource.transaction(async (manager) => {
      const enqueued = await enqueueOnce(
        manager,
        read.events.map((event) => event.message),
      );
      const conflicts = read.events.filter((_, index) => enqueued[index]!.outcome === 'conflict');
      // Thrown inside the transaction: what it enqueued is rolled back.
      if (conflicts.length > 0) throw new EventIdConflict(conflicts.map((event) => ({ path: event.idPath, problem: 'was already published with other content' })));
      return enqueued;
    });
    if (outcomes.some((outcome) => outcome.outcome === 'enqueued')) this.outbox.nudge();
    return {
      ids: read.events.map((event) => event.id),
      alreadyAccepted: read.events.filter((_, index) => outcomes[index]!.outcome === 'already-enqueued').map((event) => event.id),
    };
  }
}
