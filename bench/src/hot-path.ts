import type { KafkaMessage } from 'kafkajs';
import { chain } from '@accord/audit-chain';
import { EVENT_CATALOG, subjectKeys, type ConsentStatement, type VersionedAgreement } from '@accord/governance';
import { decisionRowParameters } from '@accord/persistence';
import { candidatesOf, evaluateEvents, type EvaluationSettings } from '../../apps/sharing-broker/src/routing/decisions';
import { inboxRecord } from '../../apps/sharing-broker/src/routing/deliveries';
import { inspectGuarded, type AcceptedEvent } from '../../apps/sharing-broker/src/routing/inspect';
import { progress } from './progress';
import {
  BENCH_PSEUDONYMISATION_SECRET,
  BENCH_SUBJECT_KEY_SECRET,
  consentStatementsFor,
  createPerson,
  createScenario,
  EventGenerator,
  type Person,
} from './scenario';

/** Microseconds of the process's CPU per event (one thread of work, plus V8's collector threads), per stage of the broker's data path. */
export interface HotPathResult {
  events: number;
  decisions: number;
  inboxRecords: number;
  /** Each stage's µs per consumed event (the mean of the rounds after the first), and their sum. */
  microsecondsPerEvent: Record<HotPathStage | 'total', number>;
  rounds: number;
}

export type HotPathStage = 'inspect' | 'subjectKeys' | 'evaluate' | 'chain' | 'rowParameters' | 'inboxRecords';

/**
 * The broker's per-record work without Kafka or Postgres, on the benchmark's own workload:
 * inspecting the records, the people's keyed hashes, evaluating every candidate, chaining
 * the decision rows, the rows as the parameters the decision write sends, and the inbox records.
 * The same functions the broker calls, in one thread, so a change to the data path shows
 * as µs per event here in seconds, free of the I/O and scheduling noise of the drain (which
 * measures the whole). Consent statements come from the workload's mix, as the broker would
 * read them.
 */
export function measureHotPath(options: { events: number; rounds: number }): HotPathResult {
  const scenario = createScenario('');
  const people: Person[] = Array.from({ length: Math.max(1, Math.floor(options.events / 5)) }, (_, index) => createPerson(index));
  const generator = new EventGenerator(scenario, people, 42);
  const messages: Array<{ topic: string; message: KafkaMessage }> = [];
  for (let offset = 0; offset < options.events; offset++) {
    const event = generator.next();
    const headers = Object.fromEntries(Object.entries(event.record.headers).map(([name, value]) => [name, Buffer.from(value)]));
    messages.push({
      topic: event.topic,
      message: {
        key: Buffer.from(event.record.key),
        value: Buffer.from(event.record.value),
        headers,
        offset: String(offset),
        timestamp: String(Date.now()),
        attributes: 0,
      } as KafkaMessage,
    });
  }
  const personOf = new Map(people.map((person) => [subjectKeys({ nhsNumber: person.nhsNumber }, BENCH_SUBJECT_KEY_SECRET).nhsNumber!, person]));
  const statementsByNhsKey = new Map<string, ConsentStatement[]>();
  for (const row of consentStatementsFor(people, 0.2, scenario, BENCH_SUBJECT_KEY_SECRET)) {
    const person = personOf.get(row.nhsKey);
    if (!person) continue;
    const list = statementsByNhsKey.get(row.nhsKey) ?? [];
    list.push({
      id: row.id,
      subject: { nhsNumber: person.nhsNumber, niNumber: person.niNumber },
      kind: row.kind,
      scope: { purpose: row.scopePurpose, recipient: row.scopeRecipient, agreementId: row.scopeAgreementId },
      effectiveFrom: new Date(Date.now() - 86_400_000),
      recordedAt: new Date(Date.now() - 86_400_000),
    });
    statementsByNhsKey.set(row.nhsKey, list);
  }
  const agreements: VersionedAgreement[] = scenario.agreements.map((agreement) => ({ ...agreement, version: 1 }));
  const agreementsOf = (provider: string) => agreements.filter((agreement) => agreement.provider === provider);
  const settings: EvaluationSettings = {
    catalog: EVENT_CATALOG,
    pseudonymMasterKey: BENCH_PSEUDONYMISATION_SECRET,
    subjectKeySecret: BENCH_SUBJECT_KEY_SECRET,
  };

  const totals: Record<HotPathStage, number> = { inspect: 0, subjectKeys: 0, evaluate: 0, chain: 0, rowParameters: 0, inboxRecords: 0 };
  let decisions = 0;
  let inboxRecords = 0;
  const batchSize = 500;
  for (let round = 0; round < options.rounds; round++) {
    const counted = round > 0; // the first round warms the JIT
    for (let start = 0; start < messages.length; start += batchSize) {
      const batch = messages.slice(start, start + batchSize);
      // This thread's CPU time (user + system), not the clock: other work on the machine does not count.
      let at = cpuMilliseconds();
      const lap = (stage: HotPathStage) => {
        const now = cpuMilliseconds();
        if (counted) totals[stage] += now - at;
        at = now;
      };
      const inspected = batch.map(({ topic, message }) => inspectGuarded({ topic, partition: 0, offset: message.offset, message }));
      const accepted = inspected.filter((item): item is AcceptedEvent => item.kind === 'accepted');
      lap('inspect');
      const keys = accepted.map((item) => subjectKeys(item.subject, BENCH_SUBJECT_KEY_SECRET));
      lap('subjectKeys');
      const consents = keys.map((key) => (key.nhsNumber ? statementsByNhsKey.get(key.nhsNumber) ?? [] : []));
      const evaluated = evaluateEvents(accepted, candidatesOf(accepted, agreementsOf), consents, new Date(), settings, keys);
      lap('evaluate');
      const rows = evaluated.flatMap((list) => (list ?? []).map((item) => item.row));
      const chained = chain(rows, { seq: round * messages.length + start, hash: '0'.repeat(64) });
      lap('chain');
      const parameters = decisionRowParameters(chained);
      lap('rowParameters');
      let produced = 0;
      accepted.forEach((item, index) => {
        for (const { decision } of evaluated[index] ?? []) {
          if (decision.outcome !== 'shared' || !decision.released) continue;
          inboxRecord(item.envelope, decision, decision.released, BENCH_PSEUDONYMISATION_SECRET);
          produced++;
        }
      });
      lap('inboxRecords');
      if (parameters.length === 0) throw new Error('no rows');
      if (counted && round === 1) {
        decisions += rows.length;
        inboxRecords += produced;
      }
    }
    if (round > 0) progress(`hot path: round ${round} of ${options.rounds - 1} done`);
  }
  const measured = options.events * Math.max(1, options.rounds - 1);
  const perEvent = Object.fromEntries(Object.entries(totals).map(([stage, ms]) => [stage, round2((ms * 1000) / measured)])) as Record<HotPathStage, number>;
  const total = round2(Object.values(perEvent).reduce((sum, value) => sum + value, 0));
  return { events: options.events, decisions, inboxRecords, microsecondsPerEvent: { ...perEvent, total }, rounds: options.rounds - 1 };
}

function cpuMilliseconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

const round2 = (value: number) => Math.round(value * 100) / 100;
