import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import type { DataSource, EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import type { Logger } from 'pino';
import { Gauge, register } from 'prom-client';
import { MAX_PRODUCE_REQUEST_BYTES } from './record-bytes';

/**
 * The transactional outbox: a service writes its business row and the event row in one
 * transaction, and the relay publishes pending rows to Kafka afterwards. Nothing is lost
 * if the process dies between the two, and a write succeeds while Kafka is down.
 */

export interface OutboxMessage {
  /** The CloudEvent id (`ce_id`); unique, so a retried write cannot enqueue twice. */
  eventId: string;
  topic: string;
  /** Kafka key: the source's opaque person reference, never an NHS number. */
  key: string;
  headers: Record<string, string>;
  value: string;
}

/** Relays running in this process; the backlog gauge asks each when Prometheus scrapes. */
const runningRelays = new Set<OutboxRelay>();

/**
 * `accord_outbox_backlog{schema}`: outbox rows not yet published, counted at scrape time
 * (one indexed count per relay, given a second at most so a slow database never hangs
 * `/metrics`). A growing backlog means Kafka is unreachable or the relay has stopped.
 */
function outboxBacklogGauge(): Gauge<'schema'> {
  const name = 'accord_outbox_backlog';
  return (
    (register.getSingleMetric(name) as Gauge<'schema'> | undefined) ??
    new Gauge({
      name,
      help: 'Outbox rows written but not yet published to Kafka, by database schema',
      labelNames: ['schema'],
      async collect() {
        this.reset();
        const counts = new Map<string, number>();
        await Promise.all(
          [...runningRelays].map(async (relay) => {
            const schema = relay.schema;
            const pending = await Promise.race([
              relay.backlog().catch(() => undefined),
              new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1000).unref()),
            ]);
            if (pending !== undefined) counts.set(schema, Math.max(counts.get(schema) ?? 0, pending));
          }),
        );
        for (const [schema, pending] of counts) this.set({ schema }, pending);
      },
    })
  );
}

/** Number of key buckets: relays work on different buckets in parallel, each bucket in order. */
export const OUTBOX_BUCKETS = 16;

/** A migration creating `<schema>.outbox`; each service adds it to its own migrations. */
export function outboxMigration(timestamp: number): new () => MigrationInterface {
  const name = `Outbox${timestamp}`;
  return class implements MigrationInterface {
    name = name;
    async up(runner: QueryRunner): Promise<void> {
      await runner.query(`
        CREATE TABLE outbox (
          id bigserial PRIMARY KEY,
          event_id uuid NOT NULL UNIQUE,
          topic text NOT NULL,
          message_key text NOT NULL,
          bucket smallint NOT NULL,
          headers jsonb NOT NULL,
          value text NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          published_at timestamptz,
          attempts integer NOT NULL DEFAULT 0
        )`);
      await runner.query('CREATE INDEX outbox_pending ON outbox (bucket, id) WHERE published_at IS NULL');
      await runner.query('CREATE INDEX outbox_published ON outbox (published_at) WHERE published_at IS NOT NULL');
    }
    async down(runner: QueryRunner): Promise<void> {
      await runner.query('DROP TABLE outbox');
    }
  };
}

/** Stable bucket for a key, the same in every process (FNV-1a). */
export function bucketOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % OUTBOX_BUCKETS;
}

/** Enqueues messages inside the caller's transaction (the one that writes the business row). */
export async function enqueue(manager: EntityManager, messages: OutboxMessage[]): Promise<void> {
  for (const message of messages) {
    await manager.query(
      'INSERT INTO outbox (event_id, topic, message_key, bucket, headers, value) VALUES ($1, $2, $3, $4, $5, $6)',
      [message.eventId, message.topic, message.key, bucketOf(message.key), JSON.stringify(message.headers), message.value],
    );
  }
}

/** What `enqueueOnce` did with each message, in the order given. */
export type EnqueuedOnce = { message: OutboxMessage; outcome: 'enqueued' | 'already-enqueued' | 'conflict' };

/**
 * Enqueues, inside the caller's transaction, each message whose event id is not in the
 * outbox yet (one statement). A message whose id is there already is `already-enqueued`
 * when the row holds the same record (a retry: nothing new is published), and a `conflict`
 * when it holds another one; the caller decides whether a conflict undoes the transaction.
 * A concurrent transaction enqueueing the same id waits for this one, then sees its row.
 */
export async function enqueueOnce(manager: EntityManager, messages: OutboxMessage[]): Promise<EnqueuedOnce[]> {
  if (messages.length === 0) return [];
  const inserted: Array<{ event_id: string }> = await manager.query(
    `INSERT INTO outbox (event_id, topic, message_key, bucket, headers, value)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::smallint[], $5::jsonb[], $6::text[])
     ON CONFLICT (event_id) DO NOTHING
     RETURNING event_id`,
    [
      messages.map((message) => message.eventId),
      messages.map((message) => message.topic),
      messages.map((message) => message.key),
      messages.map((message) => bucketOf(message.key)),
      messages.map((message) => JSON.stringify(message.headers)),
      messages.map((message) => message.value),
    ],
  );
  const fresh = new Set(inserted.map((row) => row.event_id.toLowerCase()));
  const others = messages.filter((message) => !fresh.has(message.eventId.toLowerCase()));
  const existing = new Map<string, OutboxMessage>();
  if (others.length > 0) {
    const rows: Array<{ event_id: string; topic: string; message_key: string; headers: Record<string, string>; value: string }> = await manager.query(
      'SELECT event_id, topic, message_key, headers, value FROM outbox WHERE event_id = ANY($1::uuid[])',
      [others.map((message) => message.eventId)],
    );
    for (const row of rows) existing.set(row.event_id, { eventId: row.event_id, topic: row.topic, key: row.message_key, headers: row.headers, value: row.value });
  }
  return messages.map((message) => {
    if (fresh.has(message.eventId.toLowerCase())) return { message, outcome: 'enqueued' };
    const row = existing.get(message.eventId.toLowerCase());
    return { message, outcome: row && sameRecord(row, message) ? 'already-enqueued' : 'conflict' };
  });
}

function sameRecord(a: OutboxMessage, b: OutboxMessage): boolean {
  const headers = (message: OutboxMessage) => JSON.stringify(Object.entries(message.headers).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  return a.topic === b.topic && a.key === b.key && a.value === b.value && headers(a) === headers(b);
}

export interface OutboxRelayOptions {
  dataSource: DataSource;
  /** The client to publish with, or one per topic (a service publishing for several participants, each under its own identity). */
  kafka: Kafka | ((topic: string) => Kafka);
  logger?: Logger;
  /** Rows per bucket per round. */
  batchSize?: number;
  /** Idle wait between rounds when nothing was pending. */
  pollIntervalMs?: number;
  /** Published rows older than this are purged. */
  retentionMs?: number;
  /** Lock namespace, distinct per schema so two services' relays never contend. */
  lockNamespace: number;
}

interface PendingRow {
  id: string;
  topic: string;
  message_key: string;
  headers: Record<string, string>;
  value: string;
}

/**
 * Publishes pending outbox rows in id order per key bucket. Each bucket is held by one
 * relay at a time (a transaction-scoped advisory lock), so several relay instances never
 * publish the same row twice concurrently nor reorder one person's events. A row is marked
 * published only after Kafka acknowledged it (acks=all, idempotent producer); if the
 * process dies in between, the row is published again on restart (at-least-once; the
 * stable `ce_id` lets consumers de-duplicate). While Kafka is down it retries with backoff.
 */
export class OutboxRelay {
  private readonly producers = new Map<Kafka, Promise<Producer>>();
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private failures = 0;
  private lastPurge = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    outboxBacklogGauge();
  }

  /** The database schema the outbox table lives in (the metric label). */
  get schema(): string {
    return (this.options.dataSource.options as { schema?: string }).schema ?? 'public';
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    runningRelays.add(this);
    this.loop = this.run();
  }

  /** Asks the relay to look for new rows now rather than at its next poll. */
  nudge(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    runningRelays.delete(this);
    this.wake?.();
    await this.loop;
    await this.resetProducers();
  }

  /** Pending rows, for metrics and health. */
  async backlog(): Promise<number> {
    const [row] = await this.options.dataSource.query('SELECT count(*)::int AS pending FROM outbox WHERE published_at IS NULL');
    return row.pending;
  }

  /** One pass over every bucket; returns how many rows were published. */
  async publishPending(): Promise<number> {
    let published = 0;
    for (let bucket = 0; bucket < OUTBOX_BUCKETS; bucket++) published += await this.publishBucket(bucket);
    return published;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let published = 0;
      try {
        published = await this.publishPending();
        this.failures = 0;
        await this.purgeIfDue();
      } catch (error) {
        this.failures++;
        await this.resetProducers();
        this.options.logger?.warn({ err: error, failures: this.failures }, 'outbox relay could not publish; will retry');
      }
      if (published === 0 || this.failures > 0) await this.sleep(this.delay());
    }
  }

  private delay(): number {
    const poll = this.options.pollIntervalMs ?? 250;
    if (this.failures === 0) return poll;
    return Math.min(30_000, poll * 2 ** Math.min(this.failures, 7));
  }

  private async publishBucket(bucket: number): Promise<number> {
    const { dataSource, lockNamespace } = this.options;
    return dataSource.transaction(async (manager) => {
      const [lock] = await manager.query('SELECT pg_try_advisory_xact_lock($1, $2) AS locked', [lockNamespace, bucket]);
      if (!lock.locked) return 0;
      // The oldest pending rows, cut where their bytes reach one produce request's cap (the first row always goes).
      const rows: PendingRow[] = await manager.query(
        `SELECT id, topic, message_key, headers, value FROM (
           SELECT *, sum(size) OVER (ORDER BY id) AS running FROM (
             SELECT id, topic, message_key, headers, value, octet_length(message_key) + octet_length(headers::text) + octet_length(value) AS size
             FROM outbox WHERE bucket = $1 AND published_at IS NULL ORDER BY id LIMIT $2) oldest) sized
         WHERE running - size < $3 ORDER BY id`,
        [bucket, this.options.batchSize ?? 500, MAX_PRODUCE_REQUEST_BYTES],
      );
      if (rows.length === 0) return 0;
      await manager.query('UPDATE outbox SET attempts = attempts + 1 WHERE id = ANY($1::bigint[])', [rows.map((row) => row.id)]);
      const byClient = new Map<Kafka, Map<string, Message[]>>();
      for (const row of rows) {
        const client = this.clientFor(row.topic);
        const byTopic = byClient.get(client) ?? new Map<string, Message[]>();
        byClient.set(client, byTopic);
        const messages = byTopic.get(row.topic) ?? [];
        messages.push({ key: row.message_key, headers: row.headers, value: row.value });
        byTopic.set(row.topic, messages);
      }
      // One key is always one topic, so one client: per-key order holds across clients.
      for (const [client, byTopic] of byClient) {
        const producer = await this.connectedProducer(client);
        await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      }
      await manager.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [rows.map((row) => row.id)]);
      return rows.length;
    });
  }

  private async purgeIfDue(): Promise<void> {
    const retentionMs = this.options.retentionMs ?? 7 * 24 * 3600 * 1000;
    if (Date.now() - this.lastPurge < 60_000) return;
    this.lastPurge = Date.now();
    await this.options.dataSource.query(
      `DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < now() - ($1::bigint * interval '1 millisecond')`,
      [retentionMs],
    );
  }

  private clientFor(topic: string): Kafka {
    const { kafka } = this.options;
    return typeof kafka === 'function' ? kafka(topic) : kafka;
  }

  private connectedProducer(client: Kafka): Promise<Producer> {
    let producer = this.producers.get(client);
    if (!producer) {
      // Naming the (default) murmur2 partitioner keeps Java clients' key → partition mapping and silences kafkajs' v2 notice.
      const created = client.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      producer = created.connect().then(() => created);
      producer.catch(() => undefined);
      this.producers.set(client, producer);
    }
    return producer;
  }

  private async resetProducers(): Promise<void> {
    const producers = [...this.producers.values()];
    this.producers.clear();
    await Promise.all(producers.map(async (producer) => (await producer.catch(() => undefined))?.disconnect().catch(() => undefined)));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
