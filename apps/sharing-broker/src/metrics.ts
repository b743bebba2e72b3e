import { Counter, Gauge, Histogram, register, type Metric } from 'prom-client';

/*
 * The broker's Prometheus metrics, on the default registry that `/metrics` serves. Get or
 * create: a process that starts the app twice (tests) must not register a name twice.
 * Labels are bounded: `source` is the participant of the consumed topic, `reason` a
 * reason code of docs/contract.md, "Decision records and the audit chain", `agreement` an
 * agreement id (hub-applied, never personal data), `kind` `error` or `over-budget`.
 */

function getOrCreate<T extends Metric>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

export interface BrokerMetrics {
  eventsConsumed: Counter<'source'>;
  decisions: Counter<'outcome' | 'reason'>;
  batchDuration: Histogram<string>;
  batchStage: Histogram<'stage'>;
  batchFailures: Counter<string>;
  chainWrites: Counter<'path'>;
  conditionFailures: Counter<'agreement' | 'kind'>;
  bytesInFlight: Gauge<string>;
  batchesWaiting: Gauge<string>;
}

export function brokerMetrics(): BrokerMetrics {
  return {
    eventsConsumed: getOrCreate(
      'accord_broker_events_consumed_total',
      () =>
        new Counter({
          name: 'accord_broker_events_consumed_total',
          help: 'Records consumed from accord.events.* topics and fully handled, by publishing participant',
          labelNames: ['source'],
        }),
    ),
    decisions: getOrCreate(
      'accord_broker_decisions_total',
      () =>
        new Counter({
          name: 'accord_broker_decisions_total',
          help: 'Decisions recorded, by outcome and first reason',
          labelNames: ['outcome', 'reason'],
        }),
    ),
    batchDuration: getOrCreate(
      'accord_broker_batch_duration_seconds',
      () =>
        new Histogram({
          name: 'accord_broker_batch_duration_seconds',
          help: 'Time to handle one batch: validate, decide, record, deliver',
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        }),
    ),
    batchStage: getOrCreate(
      'accord_broker_batch_stage_seconds',
      () =>
        new Histogram({
          name: 'accord_broker_batch_stage_seconds',
          help: 'Where a batch spends its time, by stage: "wait" (its first record, from the publisher\'s timestamp to the batch starting: the fetch cycle and the queue), "inspect", "read" (agreements and consent, shared with the batches under way), "evaluate", "write" (the write-ahead decisions, waiting for the audit chain included) and "produce" (until every record is acknowledged)',
          labelNames: ['stage'],
          buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5],
        }),
    ),
    batchFailures: getOrCreate(
      'accord_broker_batch_failures_total',
      () =>
        new Counter({
          name: 'accord_broker_batch_failures_total',
          help: 'Batch attempts that failed and will be retried (Postgres or Kafka unavailable)',
        }),
    ),
    chainWrites: getOrCreate(
      'accord_broker_chain_writes_total',
      () =>
        new Counter({
          name: 'accord_broker_chain_writes_total',
          help: 'Group writes to the audit chain, by path: "fast" (one statement onto the head this instance last wrote), "locking" (lock, read what is recorded, append: at start, after a failure, when an event was recorded before, or while another instance appends too) and "fast-missed" (a fast attempt that found the head moved or the events recorded, before the locking path)',
          labelNames: ['path'],
        }),
    ),
    conditionFailures: getOrCreate(
      'accord_broker_condition_failures_total',
      () =>
        new Counter({
          name: 'accord_broker_condition_failures_total',
          help: 'Rule conditions that counted as not holding because they failed, by agreement and kind: "error" (the evaluation failed or gave no boolean) or "over-budget" (too much data or cost)',
          labelNames: ['agreement', 'kind'],
        }),
    ),
    bytesInFlight: getOrCreate(
      'accord_broker_bytes_in_flight',
      () =>
        new Gauge({
          name: 'accord_broker_bytes_in_flight',
          help: 'Bytes of consumed records under way in this process (BROKER_MAX_BYTES_IN_FLIGHT bounds it)',
        }),
    ),
    batchesWaiting: getOrCreate(
      'accord_broker_batches_waiting',
      () =>
        new Gauge({
          name: 'accord_broker_batches_waiting',
          help: 'Consumed batches waiting for room under BROKER_MAX_BYTES_IN_FLIGHT (their consumers fetch nothing more meanwhile)',
        }),
    ),
  };
}
