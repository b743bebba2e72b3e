import { batchSettings } from '../bench/src/batch-settings';
import { markdownReport } from '../bench/src/report';
import type { BenchResults } from '../bench/src/run-bench';
import type { LatencyResult } from '../bench/src/latency';

function latency(p99: number): LatencyResult {
  const latencyMs = { count: 60_000, min: 1, p50: 10, p95: 20, p99, max: p99 * 2, mean: 12 };
  const seconds = { machine: 15, system: 9, postgres: 3, kafka: 2, harness: 1 };
  const machineCpu = {
    seconds,
    microsecondsPerEvent: { machine: 250, system: 150, postgres: 50, kafka: 33.3, harness: 16.7 },
    cores: { machine: 0.25, system: 0.15, postgres: 0.05, kafka: 0.03, harness: 0.02 },
  };
  return { rate: 1000, seconds: 60, warmUpSeconds: 10, warmUpMs: latencyMs, published: 60_000, latencyMs, eventsWithoutOutput: 0, maxScheduleLagMs: 5, machineCpu };
}

function resultsWithLatency(brokerP99: number, passthroughP99: number): BenchResults {
  const { brokerEnvironment: _unused, ...batch } = batchSettings({});
  return {
    benchmark: 'accord',
    formatVersion: 1,
    runId: 'test',
    startedAt: '2026-11-29T00:00:00.000Z',
    scale: 1,
    phases: ['latency'],
    settings: { batch, brokerProcess: 'broker', passthroughProcess: 'passthrough' },
    latency: {
      broker: latency(brokerP99),
      passthrough: latency(passthroughP99),
      addedP99Ms: brokerP99 - passthroughP99,
      target: 50,
      goal: 20,
    },
    errors: [],
  };
}

const addedRow = (report: string) => report.split('\n').find((line) => line.startsWith('| 2 | p99 added by the broker'))!;

describe('the benchmark report: p99 added by the broker', () => {
  it('judges the difference against the target', () => {
    expect(addedRow(markdownReport(resultsWithLatency(80, 45)))).toContain('| 35 ms | ≤ 50 ms (20) | ✅ |');
    expect(addedRow(markdownReport(resultsWithLatency(120, 45)))).toContain('| 75 ms | ≤ 50 ms (20) | ❌ |');
  });

  it('gives no verdict when the passthrough was slower than the broker: its run was disturbed, and a negative figure would read as the goal met', () => {
    const row = addedRow(markdownReport(resultsWithLatency(100, 2700)));
    expect(row).toContain('⚠️ baseline disturbed');
    expect(row).not.toContain('✅');
  });
});

describe('the benchmark report: CPU at a steady rate', () => {
  it("gives the machine's CPU per event over the latency run's measured seconds, with each part's", () => {
    const row = markdownReport(resultsWithLatency(80, 45))
      .split('\n')
      .find((line) => line.startsWith('| 2 | Broker machine CPU per event at a steady rate'))!;
    expect(row).toContain('| 250.0 µs |');
    expect(row).toContain('published in the measured seconds (1,000 events/s); of it 150.0 µs this process, 50.0 Postgres, 33.3 Kafka, 16.7 the harness');
  });
});
