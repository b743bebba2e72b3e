import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Caller } from '../auth';
import { actingParticipant } from '../participants';
import { AckView, MAX_WAIT_SECONDS, type PullPageView, type PulledRecordView, type PullQuery } from './dto/delivery.dto';
import { acknowledge, ackedCursor, findSubscription, lastHeld, recordsAfter, type HeldRecord } from './delivery-store';
import { CursorAhead, PullNotEnabled, TooManyWaiting } from './delivery.errors';
import { InboxCollector } from './inbox-collector';

/** Long-polls one participant may have waiting at once (each holds a connection for up to MAX_WAIT_SECONDS). */
export const MAX_WAITING_PULLS = 4;
/** While waiting, how often the feed looks again (records held by another hub-api instance raise no event here). */
const POLL_MS = 1000;
const DEFAULT_LIMIT = 100;

/**
 * The pull feed (docs/contract.md, "Receiving over HTTPS"): a participant that cannot
 * accept inbound connections reads its inbox over HTTPS, in order, from a cursor, and
 * acknowledges what it processed. The acknowledged cursor is kept in Postgres, so it holds
 * across restarts and instances.
 */
@Injectable()
export class PullFeed implements OnModuleDestroy {
  private readonly waiting = new Map<string, number>();
  private readonly closing = new AbortController();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly collector: InboxCollector,
  ) {}

  /** Ends every waiting pull at once, so a stopping hub-api does not wait out their long-polls. */
  onModuleDestroy(): void {
    this.closing.abort();
  }

  async pull(caller: Caller, query: PullQuery): Promise<PullPageView> {
    const participant = await this.receiver(caller);
    const manager = this.dataSource.manager;
    const after = query.after ?? (await ackedCursor(manager, participant));
    const limit = query.limit ?? DEFAULT_LIMIT;
    const read = () => this.dataSource.transaction((transaction) => recordsAfter(transaction, participant, after, limit));
    let records = await read();
    if (records.length === 0 && (query.wait ?? 0) > 0) {
      await this.waitForRecords(participant, (query.wait ?? 0) * 1000, async () => (records = await read()).length > 0);
    }
    return { records: records.map(pulledRecord), next: records.at(-1)?.seq ?? after };
  }

  async acknowledge(caller: Caller, cursor: string): Promise<AckView> {
    const participant = await this.receiver(caller);
    return this.dataSource.transaction(async (manager) => {
      // Up to the last record held, or anywhere at or below what is acknowledged already (a no-op).
      const [last, acked] = [BigInt((await lastHeld(manager, participant)) ?? 0), BigInt(await ackedCursor(manager, participant))];
      if (BigInt(cursor) > (last > acked ? last : acked)) throw new CursorAhead();
      return { acknowledged: await acknowledge(manager, participant, cursor) };
    });
  }

  /** The participant the token is bound to, when it may read its feed now. */
  private async receiver(caller: Caller): Promise<string> {
    const participant = await actingParticipant(this.dataSource.manager, caller, 'Reading an inbox');
    const subscription = await findSubscription(this.dataSource.manager, participant);
    if (subscription?.mode !== 'pull') throw new PullNotEnabled();
    return participant;
  }

  /** Waits until `found()` says records are there, `ms` pass, or hub-api stops. */
  private async waitForRecords(participant: string, ms: number, found: () => Promise<boolean>): Promise<void> {
    const waiting = this.waiting.get(participant) ?? 0;
    if (waiting >= MAX_WAITING_PULLS) throw new TooManyWaiting(MAX_WAITING_PULLS, 1);
    this.waiting.set(participant, waiting + 1);
    let wake: () => void = () => undefined;
    const stopListening = this.collector.onArrival(participant, () => wake());
    const onClose = () => wake();
    this.closing.signal.addEventListener('abort', onClose);
    try {
      const deadline = Date.now() + Math.min(ms, MAX_WAIT_SECONDS * 1000);
      while (!this.closing.signal.aborted && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(POLL_MS, deadline - Date.now()));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        if (await found()) return;
      }
    } finally {
      stopListening();
      this.closing.signal.removeEventListener('abort', onClose);
      const left = (this.waiting.get(participant) ?? 1) - 1;
      if (left > 0) this.waiting.set(participant, left);
      else this.waiting.delete(participant);
    }
  }
}

/** A held inbox record in the CloudEvents JSON format: `ce_x` headers become attribute `x`. */
export function pulledRecord(record: HeldRecord): PulledRecordView {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.headers)) {
    if (name.startsWith('ce_')) attributes[name.slice(3)] = value;
    else if (name === 'content-type') attributes.datacontenttype = value;
  }
  let data: unknown = null;
  try {
    data = JSON.parse(record.value);
  } catch {
    // The broker writes JSON; anything else is delivered as no data rather than failing the page.
  }
  return { ...(attributes as unknown as Omit<PulledRecordView, 'cursor' | 'key' | 'data'>), cursor: record.seq, key: record.key, data };
}
