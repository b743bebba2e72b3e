import { createHash } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Webhook } from 'standardwebhooks';
import { DataSource, type EntityManager } from 'typeorm';
import { HubApiEnvironment } from '../environment';
import { ackedCursor, recordsAfter, webhookTargets, type HeldRecord, type WebhookTarget } from './delivery-store';
import { InboxCollector } from './inbox-collector';
import { pulledRecord } from './pull-feed.service';
import { deadLetter, delivered, failed, webhookState } from './webhook-store';

/** The advisory-lock namespace ("whk") under which one hub-api instance at a time delivers to a participant. */
const WEBHOOK_LOCK_NAMESPACE = 0x77686b;
/** How often endpoints are looked at when no record arrives (due retries, records held by another instance). */
const TICK_MS = 1000;
/** Records delivered to one endpoint in one round before its lock is let go. */
const ROUND_RECORDS = 100;
const FIRST_RETRY_MS = 1000;

/** The Standard Webhooks message id of a record: the same on every attempt, restart and instance. */
export function webhookId(participant: string, record: Pick<HeldRecord, 'eventId' | 'agreement'>): string {
  return `msg_${createHash('sha256').update(`${participant}\n${record.eventId}\n${record.agreement}`).digest('hex').slice(0, 32)}`;
}

/** The body a webhook receives: the record as a CloudEvent in the JSON format (as the pull feed gives it, without a cursor). */
export function webhookBody(record: HeldRecord): string {
  const { cursor: _cursor, ...event } = pulledRecord(record);
  return JSON.stringify(event);
}

/** What an attempt got, as a code that names no content: `http-503`, `timeout`, `econnrefused`. */
function failureCode(error: unknown): string {
  if ((error as Error)?.name === 'TimeoutError' || (error as Error)?.name === 'AbortError') return 'timeout';
  const code = (error as { cause?: { code?: unknown } })?.cause?.code;
  return typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code) ? code.toLowerCase() : 'connection-failed';
}

/**
 * Delivers the inbox records of participants with a webhook subscription (docs/contract.md,
 * "Receiving over HTTPS"): each record POSTed as a CloudEvent, signed per Standard Webhooks
 * (`webhook-id`, `webhook-timestamp`, `webhook-signature`) with the participant's secret
 * (and the previous one during a rotation). One record at a time per participant, in the
 * order held, so each person's records arrive in order; one hub-api instance at a time per
 * participant (an advisory lock). A refused record is retried with exponential backoff and
 * jitter, the records behind it waiting, until WEBHOOK_RETRY_FOR_MS has passed; then it is
 * set aside as a dead letter (redrivable) and the rest move on. A retry carries the same
 * `webhook-id`. A suspended participant is sent nothing until it is resumed (its records
 * stay held).
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private readonly busy = new Set<string>();
  private readonly rounds = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private stopListening: (() => void) | undefined;
  private stopped = false;
  private ticking = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly collector: InboxCollector,
    private readonly environment: HubApiEnvironment,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.stopListening = this.collector.onArrival('*', () => void this.tick());
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.stopListening?.();
    await Promise.all([...this.rounds]);
  }

  /** Starts a round for every webhook endpoint that has none under way. */
  async tick(): Promise<void> {
    if (this.stopped || this.ticking) return;
    this.ticking = true;
    try {
      for (const target of await webhookTargets(this.dataSource.manager)) {
        if (target.suspended || this.busy.has(target.participant) || this.stopped) continue;
        this.busy.add(target.participant);
        const round = this.round(target)
          .catch((error: unknown) => this.logger.warn({ err: error, participant: target.participant }, 'a webhook round failed; trying again shortly'))
          .finally(() => {
            this.busy.delete(target.participant);
            this.rounds.delete(round);
          });
        this.rounds.add(round);
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'could not list the webhook subscriptions; trying again shortly');
    } finally {
      this.ticking = false;
    }
  }

  /** Delivers the participant's due records in order, holding its lock on one connection. */
  private async round(target: WebhookTarget): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = await runner.query('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', [WEBHOOK_LOCK_NAMESPACE, target.participant]);
      if (!locked) return;
      try {
        for (let sent = 0; sent < ROUND_RECORDS && !this.stopped; sent++) {
          if (!(await this.deliverHead(runner.manager, target))) break;
        }
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1, hashtext($2))', [WEBHOOK_LOCK_NAMESPACE, target.participant]);
      }
    } finally {
      await runner.release();
    }
  }

  /** Attempts the head record if one is due; true when the next one may follow at once. */
  private async deliverHead(manager: EntityManager, target: WebhookTarget): Promise<boolean> {
    const { participant } = target;
    const state = await webhookState(manager, participant);
    if (state.nextAttemptAt && state.nextAttemptAt.getTime() > Date.now()) return false;
    const [head] = await manager.transaction(async (transaction) => recordsAfter(transaction, participant, await ackedCursor(transaction, participant), 1));
    if (!head) return false;
    const error = await this.post(target, head);
    if (error === undefined) {
      await delivered(manager, participant, head.seq);
      return true;
    }
    const now = await failed(manager, participant, error, this.retryDelay(state.attempts + 1));
    if (now.failingSince && Date.now() - now.failingSince.getTime() >= this.environment.WEBHOOK_RETRY_FOR_MS) {
      await deadLetter(manager, participant, head, now);
      this.logger.warn({ participant, eventId: head.eventId, attempts: now.attempts, lastError: error }, 'a webhook refused a record for the whole retry period; dead-lettered');
      return true;
    }
    this.logger.debug({ participant, attempts: now.attempts, lastError: error }, 'a webhook attempt failed; will retry');
    return false;
  }

  /** Exponential from one second, capped, with jitter (half to all of it) so endpoints coming back are not hit at once. */
  private retryDelay(attempts: number): number {
    const ceiling = Math.min(this.environment.WEBHOOK_RETRY_MAX_MS, FIRST_RETRY_MS * 2 ** Math.min(attempts - 1, 30));
    return ceiling * (0.5 + Math.random() / 2);
  }

  /** One signed POST; undefined when the endpoint answered 2xx, else what went wrong. Redirects are not followed. */
  private async post(target: WebhookTarget, record: HeldRecord): Promise<string | undefined> {
    const body = webhookBody(record);
    const id = webhookId(target.participant, record);
    const timestamp = new Date();
    const signature = target.secrets.map((secret) => new Webhook(secret).sign(id, timestamp, body)).join(' ');
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/cloudevents+json',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.environment.WEBHOOK_TIMEOUT_MS),
      });
      await response.body?.cancel().catch(() => undefined);
      return response.status >= 200 && response.status < 300 ? undefined : `http-${response.status}`;
    } catch (error) {
      return failureCode(error);
    }
  }
}
