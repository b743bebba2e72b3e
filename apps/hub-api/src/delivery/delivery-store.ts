import type { EntityManager } from 'typeorm';
import type { KafkaMessage } from 'kafkajs';
import { HEADERS, headerText } from '@accord/contracts';

/*
 * The partner delivery's rows: subscriptions, the inbox records held for a participant
 * that receives over HTTPS (in the order its Kafka consumer would read them), and the
 * cursor it acknowledged. A record is held until it is acknowledged, or for
 * DELIVERY_RETENTION_DAYS at most (the inbox topics' own retention).
 */

export const DELIVERY_MODES = ['pull'] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

/** How long an unacknowledged record is held: as long as Kafka keeps the inbox topic's records. */
export const DELIVERY_RETENTION_DAYS = 7;

export interface Subscription {
  participant: string;
  mode: DeliveryMode;
  createdAt: Date;
  updatedAt: Date;
}

interface SubscriptionRow {
  participant: string;
  mode: DeliveryMode;
  created_at: Date;
  updated_at: Date;
}

const subscriptionOf = (row: SubscriptionRow): Subscription => ({ participant: row.participant, mode: row.mode, createdAt: row.created_at, updatedAt: row.updated_at });

export async function putSubscription(manager: EntityManager, participant: string, mode: DeliveryMode): Promise<Subscription> {
  const [row] = await manager.query(
    `INSERT INTO delivery_subscriptions (participant, mode) VALUES ($1, $2)
     ON CONFLICT (participant) DO UPDATE SET mode = excluded.mode, updated_at = now()
     RETURNING participant, mode, created_at, updated_at`,
    [participant, mode],
  );
  return subscriptionOf(row);
}

export async function findSubscription(manager: EntityManager, participant: string): Promise<Subscription | null> {
  const rows: SubscriptionRow[] = await manager.query('SELECT participant, mode, created_at, updated_at FROM delivery_subscriptions WHERE participant = $1', [participant]);
  return rows[0] ? subscriptionOf(rows[0]) : null;
}

export async function listSubscriptions(manager: EntityManager): Promise<Subscription[]> {
  const rows: SubscriptionRow[] = await manager.query('SELECT participant, mode, created_at, updated_at FROM delivery_subscriptions ORDER BY participant');
  return rows.map(subscriptionOf);
}

/** Ends a subscription and drops what was held for it; true when there was one. */
export async function deleteSubscription(manager: EntityManager, participant: string): Promise<boolean> {
  const deleted: unknown[] = await manager.query('DELETE FROM delivery_subscriptions WHERE participant = $1 RETURNING participant', [participant]);
  await manager.query('DELETE FROM delivery_records WHERE participant = $1', [participant]);
  await manager.query('DELETE FROM delivery_cursors WHERE participant = $1', [participant]);
  return deleted.length > 0;
}

/** An inbox record as held for delivery. */
export interface HeldRecord {
  seq: string;
  key: string;
  headers: Record<string, string>;
  value: string;
}

/**
 * Holds a batch of one participant's inbox records, in order. A record delivered to the
 * inbox again (the broker redelivering a recorded decision) is held once: its `ce_id` and
 * `ce_accordagreement` are what recipients de-duplicate on (CONTRACT.md §2).
 */
export async function holdRecords(manager: EntityManager, participant: string, partition: number, messages: KafkaMessage[]): Promise<number> {
  if (messages.length === 0) return 0;
  const rows = messages.map((message) => {
    const headers: Record<string, string> = {};
    for (const name of Object.keys(message.headers ?? {})) {
      const text = headerText(message.headers, name);
      if (text !== undefined) headers[name] = text;
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

/** Up to `limit` held records of the participant after `afterSeq`, in order. */
export async function recordsAfter(manager: EntityManager, participant: string, afterSeq: string, limit: number): Promise<HeldRecord[]> {
  const rows: Array<{ seq: string; message_key: string; headers: Record<string, string>; value: string }> = await manager.query(
    'SELECT seq::text AS seq, message_key, headers, value FROM delivery_records WHERE participant = $1 AND seq > $2::bigint ORDER BY seq LIMIT $3',
    [participant, afterSeq, limit],
  );
  return rows.map((row) => ({ seq: row.seq, key: row.message_key, headers: row.headers, value: row.value }));
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
