import { randomBytes } from 'node:crypto';
import { createChainVerifier } from '@accord/audit-chain';
import { readChainHead, readDecisionsAfter } from '@accord/persistence';
import { TEST_KAFKA_BROKERS, TEST_POSTGRES_URL, testKafka } from '@accord/testing';
import { build } from '../bench/run';
import { ensureAuditDataset } from '../bench/src/audit-data';
import { loadConfig } from '../bench/src/config';
import { dropDatabase, openHubDatabase } from '../bench/src/database';
import { markdownReport } from '../bench/src/report';
import { runBench } from '../bench/src/run-bench';
import { BENCH_SUBJECT_KEY_SECRET } from '../bench/src/scenario';

/** The passthrough alone, on two partitions per topic, against the test Kafka and Postgres. */
function passthroughConfig(settings: Record<string, string>) {
  return loadConfig({
    BENCH_SYSTEMS: 'passthrough',
    BENCH_PARTITIONS: '2',
    KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
    BENCH_MAINTENANCE_URL: TEST_POSTGRES_URL,
    ...settings,
  });
}

// The benchmark harness itself, at a tiny scale: it must produce well-formed results and a
// verifiable audit dataset, and leave nothing behind. It asserts no speed: that is what
// `npm run bench` measures.
describe('bench harness', () => {
  beforeAll(() => {
    build(); // the passthrough runs as a child process from bench/.build, as in `npm run bench`
  });

  it('drains a small backlog through the passthrough process and reports it with its conditions', async () => {
    const config = passthroughConfig({ BENCH_PHASES: 'throughput', BENCH_EVENTS: '300' });

    const results = await runBench(config);

    expect(results.errors).toEqual([]);
    const roundTripped = JSON.parse(JSON.stringify(results));
    expect(roundTripped).toMatchObject({
      benchmark: 'accord',
      runId: config.runId,
      phases: ['throughput'],
      machine: { cpus: expect.any(Number), kafka: { brokers: expect.any(Number) }, postgres: { version: expect.any(String) } },
      settings: { batch: { consumer: { maxBytesPerPartition: expect.any(Number), maxWaitTimeInMs: expect.any(Number) }, acks: -1 } },
      workload: { events: 300, partitionsPerTopic: 2, sourceTopics: expect.arrayContaining([expect.stringContaining(config.runId)]) },
      throughput: {
        passthrough: { events: 300, eventsPerSecond: expect.any(Number), measuredSeconds: expect.any(Number) },
        target: 0.5,
        goal: 0.7,
      },
      memory: { passthrough: { peakRssMb: expect.any(Number) }, targetMb: 300 },
    });
    expect(results.throughput!.passthrough!.eventsPerSecond).toBeGreaterThan(0);
    expect(results.memory!.passthrough!.peakRssMb).toBeGreaterThan(0);
    expect(results.workload!.meanRecordBytes).toBeGreaterThan(300);
    expect(results.workload!.peopleWithConsentStatements).toBeGreaterThan(0);
    expect(markdownReport(results)).toMatch(/\| 1 \| Passthrough throughput .* events\/s .*300 events/);

    // Everything the run created is gone.
    const admin = testKafka().admin();
    await admin.connect();
    try {
      expect((await admin.listTopics()).filter((topic) => topic.includes(config.runId))).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  });

  it('times every event of a steady stream from its publish to its append in the passthrough output topic', async () => {
    const config = passthroughConfig({ BENCH_PHASES: 'latency', BENCH_LATENCY_RATE: '100', BENCH_LATENCY_SECONDS: '2', BENCH_LATENCY_WARMUP_SECONDS: '1' });

    const results = await runBench(config);

    expect(results.errors).toEqual([]);
    const passthrough = results.latency!.passthrough!;
    // The passthrough writes every event once: one sample each, none lost, none counted twice.
    expect(passthrough.published).toBe(200);
    expect(passthrough.eventsWithoutOutput).toBe(0);
    expect(passthrough.latencyMs.count).toBe(200);
    // Each record is appended after its event was published, through the passthrough's consume and produce.
    expect(passthrough.latencyMs.min).toBeGreaterThan(0);
    expect(passthrough.latencyMs.p99).toBeLessThan(10_000);
    expect(markdownReport(results)).toMatch(/\| 2 \| Passthrough latency .* appended to the output topic \(its LogAppendTime\)/);
  });

  it('generates an audit dataset whose hash chain verifies, and reuses it on the next run', async () => {
    const database = `accord_bench_test_${randomBytes(4).toString('hex')}`;
    const options = { maintenanceUrl: TEST_POSTGRES_URL, database, rows: 500, secret: BENCH_SUBJECT_KEY_SECRET, reuse: true };
    try {
      const dataset = await ensureAuditDataset(options);
      expect(dataset).toMatchObject({ rows: 500, reused: false });

      const dataSource = await openHubDatabase(dataset.url, 2);
      try {
        const { head } = await readChainHead(dataSource.manager);
        expect(head.seq).toBe(500);
        // As the broker writes them: one chain per events-topic partition (docs/audit-chains.md).
        const verifier = createChainVerifier({ partitionChainsAfter: 0 });
        for (let after = 0; after < head.seq; ) {
          const rows = await readDecisionsAfter(dataSource.manager, after, head.seq, 200);
          for (const row of rows) verifier.push(row);
          after = rows[rows.length - 1]!.seq;
        }
        expect(verifier.result()).toMatchObject({ ok: true, checked: 500, head });
        const [{ people }] = await dataSource.query('SELECT count(DISTINCT subject_key)::int AS people FROM decisions');
        expect(people).toBeGreaterThan(1);
      } finally {
        await dataSource.destroy();
      }

      expect(await ensureAuditDataset(options)).toMatchObject({ rows: 500, reused: true });
    } finally {
      await dropDatabase(TEST_POSTGRES_URL, database);
    }
  });
});
