import type { EntityManager } from 'typeorm';
import { acknowledge, lockHeldForWrite, type HeldRecord } from './delivery-store';

/*
 * Where each webhook endpoint stands (its head record's attempts and since when it fails)
 * and the records it refused for the whole retry period.
 */

export interface WebhookState {
  attempts: number;
  nextAttemptAt: Date | null;
  failingSince: Date | null;
  lastError: string | null;
  lastDeliveredAt: Date | null;
}

interface StateRow {
  attempts: number;
  next_attempt_at: Date | null;
  failing_since: Date | null;
  last_error: string | null;
  last_delivered_at: Date | null;
}

const stateOf = (row: StateRow | undefined): WebhookState => ({
  attempts: row?.attempts ?? 0,
  nextAttemptAt: row?.next_attempt_at ?? null,
  failingSince: row?.failing_since ?? null,
  lastError: row?.last_error ?? null,
  lastDeliveredAt: row?.last_delivered_at ?? null,
});

export async function webhookState(manager: EntityManager, participant: string): Promise<WebhookState> {
  const [row] = await manager.query(
    'SELECT attempts, next_attempt_at, failing_since, last_error, last_delivered_at FROM delivery_webhook_state WHERE participant = $1',
    [participant],
  );
  return stateOf(row);
}

/** The head record was delivered: it is acknowledged (dropped) and the endpoint is ok. */
export async function delivered(manager: EntityManager, participant: string, seq: string): Promise<void> {
  await acknowledge(manager, participant, seq);
  await manager.query(
    `INSERT INTO delivery_webhook_state (participant, attempts, last_delivered_at) VALUES ($1, 0, now())
     ON CONFLICT (participant) DO UPDATE SET attempts = 0, next_attempt_at = NULL, failing_since = NULL, last_error = NULL, last_delivered_at = now()`,
    [participant],
  );
}

/** An attempt failed with `error` (a code, never a response body): the next one waits `delayMs`. */
export async function failed(manager: EntityManager, participant: string, error: string, delayMs: number): Promise<WebhookState> {
  const [row] = await manager.query(
    `INSERT INTO delivery_webhook_state (participant, attempts, next_attempt_at, failing_since, last_error)
     VALUES ($1, 1, now() + ($3::bigint * interval '1 millisecond'), now(), $2)
     ON CONFLICT (participant) DO UPDATE SET attempts = delivery_webhook_state.attempts + 1,
       next_attempt_at = excluded.next_attempt_at, failing_since = coalesce(delivery_webhook_state.failing_since, now()), last_error = excluded.last_error
     RETURNING attempts, next_attempt_at, failing_since, last_error, last_delivered_at`,
    [participant, error, Math.round(delayMs)],
  );
  return stateOf(row);
}

/**
 * The head record failed for the whole retry period: it is set aside with its reason (for
 * ops to redrive) and acknowledged, so the records behind it move on.
 */
export async function deadLetter(manager: EntityManager, participant: string, record: HeldRecord, state: WebhookState): Promise<void> {
  await manager.query(
    `INSERT INTO delivery_dead_letters (participant, event_id, agreement, message_key, headers, value, reason, attempts, failing_since)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [participant, record.eventId, record.agreement, record.key, JSON.stringify(record.headers), record.value, `webhook-failed: ${state.lastError ?? 'unknown'}`, state.attempts, state.failingSince],
  );
  await acknowledge(manager, participant, record.seq);
  await manager.query(
    'UPDATE delivery_webhook_state SET attempts = 0, next_attempt_at = NULL, failing_since = NULL WHERE participant = $1',
    [participant],
  );
}

/** Records waiting for the endpoint, and the oldest one's arrival. */
export async function backlogOf(manager: EntityManager, participant: string): Promise<{ pending: number; oldest: Date | null; deadLetters: number }> {
  const [row] = await manager.query(
    `WITH waiting AS (
       SELECT count(*)::int AS pending, min(received_at) AS oldest FROM delivery_records r
       WHERE r.participant = $1 AND r.seq > coalesce((SELECT acked_seq FROM delivery_cursors c WHERE c.participant = $1), 0))
     SELECT pending, oldest,
            (SELECT count(*)::int FROM delivery_dead_letters d WHERE d.participant = $1 AND d.redriven_at IS NULL) AS dead_letters
     FROM waiting`,
    [participant],
  );
  return { pending: row.pending, oldest: row.oldest, deadLetters: row.dead_letters };
}

/** Puts dead letters back at the end of their participant's feed; returns the ids redriven. */
export async function redriveDeadLetters(manager: EntityManager, participant: string, ids: string[]): Promise<string[]> {
  await lockHeldForWrite(manager, participant);
  const rows: Array<{ id: string }> = await manager.query(
    `WITH chosen AS (
       UPDATE delivery_dead_letters SET redriven_at = now()
       WHERE participant = $1 AND id = ANY($2::bigint[]) AND redriven_at IS NULL
       RETURNING id, event_id, agreement, message_key, headers, value),
     held AS (
       INSERT INTO delivery_records (participant, event_id, agreement, message_key, headers, value)
       SELECT $1, event_id, agreement, message_key, headers, value FROM chosen ORDER BY id
       ON CONFLICT (participant, event_id, agreement) DO NOTHING
       RETURNING 1)
     SELECT id::text AS id FROM chosen ORDER BY chosen.id`,
    [participant, ids],
  );
  return rows.map((row) => row.id);
}
