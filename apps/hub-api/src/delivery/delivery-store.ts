import type { EntityManager } from 'typeorm';
import type { KafkaMessage } from 'kafkajs';
import { HEADERS, headerText } from '@accord/contracts';
import { defineHeader } from '@accord/kafka';

/*
 * The partner delivery's rows: subscriptions, the inbox records held for a participant
 * that receives over HTTPS (in the order its Kafka consumer would read them), and the
 * cursor it acknowledged. A record is held until it is acknowledged, or for
 * DELIVERY_RETENTION_DAYS at most (the inbox topics' own retention).
 */

export const DELIVERY_MODES = ['pull', 'webhook'] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

/** How long an unacknowledged record is held: as long as Kafka keeps the inbox topic's records. */
export const DELIVERY_RETENTION_DAYS = 7;

/** A subscription as shown: never its secret. */
export interface Subscription {
  participant: string;
  mode: DeliveryMode;
  /** The webhook endpoint (mode `webhook`), else null. */
  url: string | null;
  createdAt: Date;
  updatedAt: Date;
}

interface SubscriptionRow {
  participant: string;
  mode: DeliveryMode;
  url: string | null;
  secret: string | null;
  created_at: Date;
  updated_at: Date;
}

const SUBSCRIPTION_COLUMNS = 'participant, mode, url, secret, created_at, updated_at';
const subscriptionOf = (row: SubscriptionRow): Subscription => ({
  participant: row.participant,
  mode: row.mode,
  url: row.url,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/**
 * Creates or changes a subscription. A webhook keeps its signing secret when only its URL
 * changes; one that had none (new, or a pull feed before) gets `newSecret()`, which is
 * returned that once. Moving to `pull` drops the secrets.
 */
export async function putSubscription(
  manager: EntityManager,
  participant: string,
  wanted: { mode: DeliveryMode; url: string | null },
  newSecret: () => string,
): Promise<{ subscription: Subscription; secret?: string }> {
  const [existing]: SubscriptionRow[] = await manager.query(`SELECT ${SUBSCRIPTION_COLUMNS} FROM delivery_subscriptions WHERE participant = $1 FOR UPDATE`, [participant]);
  const secret = wanted.mode === 'webhook' && !existing?.secret ? newSecret() : undefined;
  const [row]: SubscriptionRow[] = await manager.query(
    `INSERT INTO delivery_subscriptions (participant, mode, url, secret) VALUES ($1, $2, $3, $4)
     ON CONFLICT (participant) DO UPDATE SET
       mode = excluded.mode,
       url = excluded.url,
       secret = CASE WHEN excluded.mode = 'pull' THEN NULL ELSE coalesce(excluded.secret, delivery_subscriptions.secret) END,
       previous_secret = CASE WHEN excluded.mode = 'pull' THEN NULL ELSE delivery_subscriptions.previous_secret END,
       previous_secret_until = CASE WHEN excluded.mode = 'pull' THEN NULL ELSE delivery_subscriptions.previous_secret_until END,
       updated_at = now()
     RETURNING ${SUBSCRIPTION_COLUMNS}`,
    [participant, wanted.mode, wanted.mode === 'webhook' ? wanted.url : null, secret ?? null],
  );
  return { subscription: subscriptionOf(row!), secret };
}

/**
 * Gives a webhook subscription a new signing secret; the old one still signs (beside it)
 * for `graceMs`, so the endpoint can switch without refusing a delivery. Null when the
 * participant has no webhook.
 */
export async function rotateSecret(manager: EntityManager, participant: string, secret: string, graceMs: number): Promise<Subscription | null> {
  const rows: SubscriptionRow[] = await manager.query(
    // In a WITH: TypeORM answers a bare UPDATE with [rows, count], not the rows.
    `WITH rotated AS (
       UPDATE delivery_subscriptions SET previous_secret = secret, previous_secret_until = now() + ($3::bigint * interval '1 millisecond'),
         secret = $2, updated_at = now()
       WHERE participant = $1 AND mode = 'webhook'
       RETURNING ${SUBSCRIPTION_COLUMNS})
     SELECT * FROM rotated`,
    [participant, secret, graceMs],
  );
  return rows[0] ? subscriptionOf(rows[0]) : null;
}

export async function findSubscription(manager: EntityManager, participant: string): Promise<Subscription | null> {
  const rows: SubscriptionRow[] = await manager.query(`SELECT ${SUBSCRIPTION_COLUMNS} FROM delivery_subscriptions WHERE participant = $1`, [participant]);
  return rows[0] ? subscriptionOf(rows[0]) : null;
}

export async function listSubscriptions(manager: EntityManager): Promise<Subscription[]> {
  const rows: SubscriptionRow[] = await manager.query(`SELECT ${SUBSCRIPTION_COLUMNS} FROM delivery_subscriptions ORDER BY participant`);
  return rows.map(subscriptionOf);
}

/** A webhook endpoint with the secrets that sign for it now (the current one first). */
export interface WebhookTarget {
  participant: string;
  url: string;
  secrets: string[];
  /** A suspended participant is sent nothing; its records stay held until it is resumed. */
  suspended: boolean;
}

export async function webhookTargets(manager: EntityManager): Promise<WebhookTarget[]> {
  const rows: Array<{ participant: string; url: string; secret: string; previous_secret: string | null; previous_valid: boolean | null; suspended: boolean }> =
    await manager.query(
      `SELECT s.participant, s.url, s.secret, s.previous_secret, s.previous_secret_until > now() AS previous_valid,
              p.suspended_at IS NOT NULL AS suspended
       FROM delivery_subscriptions s JOIN participants p ON p.id = s.participant
       WHERE s.mode = 'webhook' ORDER BY s.participant`,
    );
  return rows.map((row) => ({
    participant: row.participant,
    url: row.url,
    secrets: row.previous_valid && row.previous_secret ? [row.secret, row.previous_secret] : [row.secret],
    suspended: row.suspended,
  }));
}

/** Ends a subscription and drops what was held for it; true when there was one. */
export async function deleteSubscription(manager: EntityManager, participant: string): Promise<boolean> {
  const deleted: unknown[] = await manager.query(
    'WITH deleted AS (DELETE FROM delivery_subscriptions WHERE participant = $1 RETURNING participant) SELECT * FROM deleted',
    [participant],
  );
  await manager.query('DELETE FROM delivery_records WHERE participant = $1', [participant]);
  await manager.query('DELETE FROM delivery_cursors WHERE participant = $1', [participant]);
  await manager.query('DELETE FROM delivery_webhook_state WHERE participant = $1', [participant]);
  return deleted.length > 0;
}

/** The advisory-lock namespace ("dlv") of each participant's held records. */
const HELD_LOCK_NAMESPACE = 0x646c76;

/**
 * A row's seq is taken when it is inserted but seen only when its transaction commits, so a
 * reader could see a later seq before an earlier one commits, move its cursor past it and
 * never return that record. Writers of a participant's records hold this lock (exclusive)
 * until they commit; readers take it shared before reading, so every seq taken before a read
 * has committed by then, and any taken after it is higher. Both run in a transaction.
 */
async function lockHeld(manager: EntityManager, participant: string, mode: 'write' | 'read'): Promise<void> {
  if (!manager.queryRunner?.isTransactionActive) throw new Error('held records are written and read inside a transaction');
  await manager.query(mode === 'write' ? 'SELECT pg_advisory_xact_lock($1, hashtext($2))' : 'SELECT pg_advisory_xact_lock_shared($1, hashtext($2))', [
    HELD_LOCK_NAMESPACE,
    participant,
  ]);
}

/** Takes the write side of a participant's held-records lock, for a transaction that inserts them (a redrive). */
export function lockHeldForWrite(manager: EntityManager, participant: string): Promise<void> {
  return lockHeld(manager, participant, 'write');
}

/** An inbox record as held for delivery. */
export interface HeldRecord {
  seq: string;
  eventId: string;
  agreement: string;
  key: string;
  headers: Record<string, string>;
  value: string;
}

/**
 * Holds a batch of one participant's inbox records, in order (inside a transaction). A record delivered to the
 * inbox again (the broker redelivering a recorded decision) is held once: its `ce_id` and
 * `ce_accordagreement` are what recipients de-duplicate on (docs/contract.md, "The envelope").
 */
export async function holdRecords(manager: EntityManager, participant: string, partition: number, messages: KafkaMessage[]): Promise<number> {
  if (messages.length === 0) return 0;
  await lockHeld(manager, participant, 'write');
  const rows = messages.map((message) => {
    const headers: Record<string, string> = {};
    for (const name of Object.keys(message.headers ?? {})) {
      const text = headerText(message.headers, name);
      if (text !== undefined) defineHeader(headers, name, text);
    }
    return {
      // The hub writes every inbox record with a ce_id; an offset stands in should one lack it.
      eventId: headers[HEADERS.id] ?? `kafka:${partition}:${message.offset}`,
      agreement: headers[HEADERS.agreement] ?? '',
      key: message.key?.toString('utf8') ?? '',
      headers,
      value: message.value?.toString('utf8') ?? '',
    };
  });
  const inserted: unknown[] = await manager.query(
    `INSERT INTO delivery_records (participant, event_id, agreement, message_key, headers, value)
     SELECT $1, event_id, agreement, message_key, headers, value
     FROM unnest($2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[]) WITH ORDINALITY AS r(event_id, agreement, message_key, headers, value, position)
     ORDER BY position
     ON CONFLICT (participant, event_id, agreement) DO NOTHING
     RETURNING seq`,
    [
      participant,
      rows.map((row) => row.eventId),
      rows.map((row) => row.agreement),
      rows.map((row) => row.key),
      rows.map((row) => JSON.stringify(row.headers)),
      rows.map((row) => row.value),
    ],
  );
  return inserted.length;
}

/** Up to `limit` held records of the participant after `afterSeq`, in order (inside a transaction). */
export async function recordsAfter(manager: EntityManager, participant: string, afterSeq: string, limit: number): Promise<HeldRecord[]> {
  await lockHeld(manager, participant, 'read');
  // Ordered by the column, not the text alias: '10' sorts before '9' as text.
  const rows: Array<{ seq: string; event_id: string; agreement: string; message_key: string; headers: Record<string, string>; value: string }> = await manager.query(
    `SELECT seq::text AS seq, event_id, agreement, message_key, headers, value
     FROM delivery_records WHERE participant = $1 AND seq > $2::bigint ORDER BY delivery_records.seq LIMIT $3`,
    [participant, afterSeq, limit],
  );
  return rows.map((row) => ({ seq: row.seq, eventId: row.event_id, agreement: row.agreement, key: row.message_key, headers: row.headers, value: row.value }));
}

/** The cursor the participant acknowledged ('0' before any). */
export async function ackedCursor(manager: EntityManager, participant: string): Promise<string> {
  const rows: Array<{ acked_seq: string }> = await manager.query('SELECT acked_seq::text AS acked_seq FROM delivery_cursors WHERE participant = $1', [participant]);
  return rows[0]?.acked_seq ?? '0';
}

/** The cursor of the participant's last held record, or null when none is held. */
export async function lastHeld(manager: EntityManager, participant: string): Promise<string | null> {
  const [row] = await manager.query('SELECT max(seq)::text AS last FROM delivery_records WHERE participant = $1', [participant]);
  return row.last;
}

/**
 * Acknowledges everything up to `seq` (a cursor never moves back) and drops the records
 * acknowledged; returns the cursor now held.
 */
export async function acknowledge(manager: EntityManager, participant: string, seq: string): Promise<string> {
  const [row] = await manager.query(
    `INSERT INTO delivery_cursors (participant, acked_seq) VALUES ($1, $2::bigint)
     ON CONFLICT (participant) DO UPDATE SET acked_seq = GREATEST(delivery_cursors.acked_seq, excluded.acked_seq), acked_at = now()
     RETURNING acked_seq::text AS acked_seq`,
    [participant, seq],
  );
  await manager.query('DELETE FROM delivery_records WHERE participant = $1 AND seq <= $2::bigint', [participant, row.acked_seq]);
  return row.acked_seq;
}

/** Drops records held longer than the retention, acknowledged or not. */
export async function purgeExpired(manager: EntityManager): Promise<number> {
  const [row] = await manager.query(
    `WITH expired AS (DELETE FROM delivery_records WHERE received_at < now() - make_interval(days => $1) RETURNING 1)
     SELECT count(*)::int AS deleted FROM expired`,
    [DELIVERY_RETENTION_DAYS],
  );
  return row.deleted;
}
