import type { Admin, Message, Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { committedOffsets, endOffsets } from './kafka';
import { progress, sleep, throttled } from './progress';
import { createPerson, type EventGenerator, type Person } from './scenario';
import type { SystemUnderTest } from './systems';

export interface FreshnessResult {
  people: number;
  rate: number;
  seconds: number;
  events: number;
  withdrawals: number;
  /** How a withdrawal was recorded. */
  method: string;
  /** Decisions (any outcome) about a person made after their withdrawal was committed. */
  decisionsAfterWithdrawal: number;
  /** Of those, shared: the figure that must be 0. */
  sharedAfterWithdrawal: number;
  /** Shared decisions on events that were even published after the withdrawal was committed. */
  sharedOfEventsPublishedAfterWithdrawal: number;
  /** Shared decisions before the withdrawal (shows the stream did share until then). */
  sharedBeforeWithdrawal: number;
  /** The first few violations: how long after the commit the shared decision was made. */
  violations: Array<{ decidedAfterCommitMs: number; publishedAfterCommitMs: number; reasons: string[] }>;
}

/** Event types whose agreements to this run's recipients rest on objection, without safeguarding override. */
const TYPES = ['asc.service.started.v1', 'asc.assessment.completed.v1'] as const;

/**
 * Consent freshness (docs/architecture.md, "Guarantees", 6): events about a group of
 * people stream to the broker at a steady rate while each person's withdrawal (unscoped,
 * so it applies to every objection-based agreement) is recorded at a different moment of
 * the stream. Afterwards the audit log says, for every decision about them, when it was
 * made and whether it shared; any share decided after the person's withdrawal had been
 * committed is a violation. The commit moment is taken when the INSERT's commit returned
 * to the harness (an upper bound of the real commit), and decidedAt is the broker's own
 * clock on the same machine, so a violation is never an artefact of the harness being
 * early.
 *
 * Withdrawals go through hub-api's `POST /v1/consents`, as a consent officer records them
 * (or, when that route is missing, straight into consent_statements as it would store them).
 */
export async function measureFreshness(options: {
  admin: Admin;
  producer: Producer;
  dataSource: DataSource;
  system: SystemUnderTest;
  sourceTopics: string[];
  generator: EventGenerator;
  people: number;
  rate: number;
  seconds: number;
  /** Records an unscoped withdrawal for the person; resolves once it is committed. */
  withdrawal: { method: string; record(person: Person): Promise<void> };
}): Promise<FreshnessResult> {
  const { rate, seconds } = options;
  const people: Person[] = Array.from({ length: options.people }, (_, index) => createPerson(5_000_000 + index));
  const committedAt = new Map<number, number>();
  const published = new Map<string, { person: Person; at: number }>();
  const total = Math.round(rate * seconds);
  const start = Date.now();

  // Withdrawals spread over the middle 80% of the stream, one person at a time.
  const withdrawals = (async () => {
    for (let index = 0; index < people.length; index++) {
      const due = start + seconds * 1000 * (0.1 + (0.8 * index) / people.length);
      await sleep(Math.max(0, due - Date.now()));
      const person = people[index]!;
      await options.withdrawal.record(person);
      committedAt.set(person.index, Date.now());
    }
  })();

  progress(`freshness: ${total.toLocaleString('en-GB')} events about ${people.length} people at ${rate}/s for ${seconds} s, each person withdrawing once mid-stream`);
  const report = throttled(5000);
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * rate) + 1);
    if (due > sent) {
      const byTopic = new Map<string, Message[]>();
      for (; sent < due; sent++) {
        const person = people[sent % people.length]!;
        const event = options.generator.next({ person, system: 'adult-social-care', type: TYPES[sent % TYPES.length] });
        published.set(event.id, { person, at: Date.now() });
        byTopic.set(event.topic, [...(byTopic.get(event.topic) ?? []), event.record]);
      }
      await options.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      report(() => `freshness: ${sent.toLocaleString('en-GB')} / ${total.toLocaleString('en-GB')} published, ${committedAt.size} withdrawals committed`);
    }
    await sleep(5);
  }
  await withdrawals;

  const target = await endOffsets(options.admin, options.sourceTopics);
  while ((await committedOffsets(options.admin, options.system.groupId, options.sourceTopics)) < target) {
    options.system.app.assertRunning();
    await sleep(200);
  }

  const rows: Array<{ event_id: string; outcome: string; decided_at: Date; reasons: string[] }> = await options.dataSource.query(
    `SELECT event_id, outcome, decided_at, reasons FROM decisions WHERE event_id = ANY($1::text[])`,
    [[...published.keys()]],
  );
  const result: FreshnessResult = {
    people: people.length,
    rate,
    seconds,
    events: total,
    withdrawals: committedAt.size,
    method: options.withdrawal.method,
    decisionsAfterWithdrawal: 0,
    sharedAfterWithdrawal: 0,
    sharedOfEventsPublishedAfterWithdrawal: 0,
    sharedBeforeWithdrawal: 0,
    violations: [],
  };
  for (const row of rows) {
    const event = published.get(row.event_id)!;
    const committed = committedAt.get(event.person.index)!;
    const decidedAt = new Date(row.decided_at).getTime();
    if (decidedAt <= committed) {
      if (row.outcome === 'shared') result.sharedBeforeWithdrawal++;
      continue;
    }
    result.decisionsAfterWithdrawal++;
    if (row.outcome !== 'shared') continue;
    result.sharedAfterWithdrawal++;
    if (event.at > committed) result.sharedOfEventsPublishedAfterWithdrawal++;
    if (result.violations.length < 10) {
      result.violations.push({ decidedAfterCommitMs: decidedAt - committed, publishedAfterCommitMs: event.at - committed, reasons: row.reasons });
    }
  }
  progress(
    `freshness: ${result.sharedAfterWithdrawal} shared after a committed withdrawal (of ${result.decisionsAfterWithdrawal} decisions after one); ${result.sharedBeforeWithdrawal} shared before`,
  );
  return result;
}
