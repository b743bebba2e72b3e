import type { CpuUse } from './cpu';
import type { BenchResults } from './run-bench';

const number = (value: number | undefined, digits = 0) =>
  value === undefined || !Number.isFinite(value) ? 'n/a' : value.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** ✅ when `value` meets the target, 🎯 also when it meets the goal, ❌ otherwise. */
function verdict(value: number | undefined, target: number, goal: number | undefined, better: 'higher' | 'lower'): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  const meets = (limit: number) => (better === 'higher' ? value >= limit : value <= limit);
  if (!meets(target)) return '❌';
  return goal !== undefined && meets(goal) ? '✅ (goal met)' : '✅';
}

/** The Markdown table printed to stdout: every figure with its target and the conditions it was measured under. */
export function markdownReport(results: BenchResults): string {
  const lines: string[] = [];
  const m = results.machine;
  lines.push(`## Accord benchmark — run ${results.runId} (${results.startedAt})`);
  lines.push('');
  if (m) {
    lines.push(
      `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, ${m.os}, Node ${m.node}; Kafka ${m.kafka.version} (${m.kafka.brokers} broker); ` +
        `Postgres ${m.postgres.version} (shared_buffers ${m.postgres.sharedBuffers}, synchronous_commit ${m.postgres.synchronousCommit}, fsync ${m.postgres.fsync}); ` +
        `load average at start ${m.loadAverageAtStart.join(' / ')}. Scale ${results.scale}.`,
    );
    lines.push('');
  }
  const w = results.workload;
  const batch = results.settings.batch;
  const batchText = `maxBytesPerPartition ${batch.consumer.maxBytesPerPartition}, maxBytes ${batch.consumer.maxBytes}, maxWaitTimeInMs ${batch.consumer.maxWaitTimeInMs}, minBytes ${batch.consumer.minBytes}${batch.passthroughConsumer && batch.passthroughConsumer.minBytes !== batch.consumer.minBytes ? ` (the passthrough ${batch.passthroughConsumer.minBytes})` : ''}, ${batch.consumers} consumers × partitionsConsumedConcurrently ${batch.partitionsConsumedConcurrently}, ${batch.maxBytesInFlight} bytes in flight per process, producer idempotent acks=-1`;
  lines.push('| # | Figure | Result | Target (goal) | | Conditions |');
  lines.push('|---|---|---|---|---|---|');

  const h = results.hotPath;
  if (h) {
    const stages = Object.entries(h.microsecondsPerEvent)
      .filter(([stage]) => stage !== 'total')
      .map(([stage, us]) => `${stage} ${number(us, 1)}`)
      .join(', ');
    lines.push(`| 0 | Data path CPU per event, in process | ${number(h.microsecondsPerEvent.total, 1)} µs | — | | the broker's own functions on ${number(h.events)} workload events (${number(h.decisions)} decisions, ${number(h.inboxRecords)} inbox records), batches of 500, one thread, mean of ${h.rounds} rounds after a warm-up; no Kafka, no Postgres, no GC of other work; µs per event: ${stages} |`);
  }
  const t = results.throughput;
  if (t && w) {
    const events = t.broker?.events ?? t.passthrough?.events;
    const conditions = `${number(events)} events (mean ${w.meanRecordBytes} B), ${w.sourceTopics.length} topics × ${w.partitionsPerTopic} partitions, ${number(w.peopleWithConsentStatements)} of ${number(w.people)} people with consent statements; pre-loaded backlog, rate between first and last observed commit; ${batchText}`;
    const window = (drain: NonNullable<typeof t.passthrough>) =>
      `measured over ${number(drain.measuredEvents)} records in ${number(drain.measuredSeconds, 1)} s${drain.measuredSeconds < 10 ? ' (too short a window to mean much: raise BENCH_EVENTS)' : ''}; ${number(drain.eventsPerSecondWithStartup)} events/s including ${number(drain.startupSeconds, 1)} s start-up; ${number(drain.eventsPerCpuSecond)} events per CPU second of its process`;
    const perEvent = (drain: NonNullable<typeof t.passthrough>) => machineCpuCells(drain.machineCpu, 'in the measured window');
    if (t.passthrough) lines.push(`| 1 | Passthrough throughput (kafkajs consume→produce) | ${number(t.passthrough.eventsPerSecond)} events/s | — | | ${conditions}; ${window(t.passthrough)} |`);
    if (t.broker) lines.push(`| 1 | Broker throughput (routed, decisions written) | ${number(t.broker.eventsPerSecond)} events/s (${number(t.broker.decisionsWritten)} decisions, ${number(t.broker.inboxRecords)} inbox records) | — | | ${t.passthrough ? 'same backlog, same settings' : conditions}; ${window(t.broker)} |`);
    if (t.passthroughAfter) lines.push(`| 1 | Passthrough throughput, again after the broker | ${number(t.passthroughAfter.eventsPerSecond)} events/s | — | | same backlog, new consumer group; ${window(t.passthroughAfter)} |`);
    if (t.passthrough) lines.push(`| 1 | Passthrough machine CPU per event | ${perEvent(t.passthrough)} |`);
    if (t.broker) lines.push(`| 1 | Broker machine CPU per event | ${perEvent(t.broker)} |`);
    if (t.ratio !== undefined) {
      const against = t.passthroughAfter ? 'broker rate / mean of the two passthrough rates' : 'broker rate / passthrough rate';
      lines.push(`| 1 | Throughput ratio broker / passthrough | ${number(t.ratio, 3)} | ≥ ${t.target} (${t.goal}) | ${verdict(t.ratio, t.target, t.goal, 'higher')} | ${against} |`);
    }
  }
  const l = results.latency;
  if (l) {
    const conditions = (r: NonNullable<typeof l.broker>) => `${number(r.rate)} events/s for ${r.seconds} s after ${r.warmUpSeconds} s of warm-up at the same rate (its p99 ${r.warmUpMs.p99} ms, not counted); ${number(r.latencyMs.count)} output records; publish (scheduled time) → appended to the output topic (its LogAppendTime); max publisher lag ${r.maxScheduleLagMs} ms`;
    if (l.passthrough) lines.push(`| 2 | Passthrough latency p50 / p95 / p99 | ${l.passthrough.latencyMs.p50} / ${l.passthrough.latencyMs.p95} / ${l.passthrough.latencyMs.p99} ms | — | | ${conditions(l.passthrough)} |`);
    if (l.broker) lines.push(`| 2 | Broker latency p50 / p95 / p99 | ${l.broker.latencyMs.p50} / ${l.broker.latencyMs.p95} / ${l.broker.latencyMs.p99} ms | — | | ${conditions(l.broker)}; ${number(l.broker.eventsWithoutOutput)} events withheld or without candidates (no inbox record) |`);
    if (l.broker?.stages) {
      const stages = Object.entries(l.broker.stages)
        .map(([stage, summary]) => `${stage} ${summary.meanMs} / ≤ ${summary.p50AtMostMs} / ≤ ${summary.p99AtMostMs}`)
        .join('; ');
      lines.push(`| 2 | Where the broker's batches spend their time, mean / p50 / p99 ms | ${stages} | — | | its accord_broker_batch_stage_seconds over the measured seconds, all instances (p50 and p99 as the upper bound of their histogram bucket); wait = the batch's first record from its publisher's timestamp to the batch starting (fetch cycle and queue); read = agreements and consent; write = the write-ahead decisions, audit chain wait included; produce = until acknowledged |`);
    }
    const atRate = (r: NonNullable<typeof l.broker>) => machineCpuCells(r.machineCpu, `published in the measured seconds (${number(r.rate)} events/s)`);
    if (l.passthrough?.machineCpu) lines.push(`| 2 | Passthrough machine CPU per event at a steady rate | ${atRate(l.passthrough)} |`);
    if (l.broker?.machineCpu) lines.push(`| 2 | Broker machine CPU per event at a steady rate | ${atRate(l.broker)} |`);
    if (l.addedP99Ms !== undefined) {
      // A baseline slower than the broker (a rebalance or a stall during its run) says nothing about the broker: no verdict.
      const judged = l.addedP99Ms < 0 ? '⚠️ baseline disturbed' : verdict(l.addedP99Ms, l.target, l.goal, 'lower');
      lines.push(`| 2 | p99 added by the broker | ${l.addedP99Ms} ms | ≤ ${l.target} ms (${l.goal}) | ${judged} | broker p99 − passthrough p99, same rate and duration |`);
    }
  }
  const a = results.audit;
  if (a) {
    const d = a.dataset;
    const dataset = `${number(d.rows)} rows${d.reused ? ' (reused dataset)' : ''}, ${number(d.people)} people, ${d.from.slice(0, 10)} → ${d.to.slice(0, 10)}; hub-api over loopback HTTP, one request at a time`;
    const query = (label: string, q: typeof a.subjectQuery, target?: number) =>
      `| 3 | ${label} p50 / p95 | ${q.latencyMs.p50} / ${q.latencyMs.p95} ms | ${target !== undefined ? `p95 ≤ ${target} ms` : '—'} | ${target !== undefined ? verdict(q.latencyMs.p95, target, undefined, 'lower') : ''} | ${q.request}; ${q.latencyMs.count} requests after ${a.warmUpQueries} warm-up; ${q.meanRows} rows per answer; ${q.failures} failed; ${dataset} |`;
    lines.push(query('Audit subject query', a.subjectQuery, a.targets.subjectQueryP95Ms));
    lines.push(query('Audit subject report', a.subjectReport, a.targets.subjectReportP95Ms));
    lines.push(query('Audit recipient + day query', a.recipientDayQuery));
    for (const [name, result] of Object.entries(a.filterQueries ?? {})) lines.push(query(`Audit ${name} (served by ${result.servedBy})`, result));
    lines.push(`| 3 | CSV export rate | ${number(a.export.rowsPerSecond)} rows/s | ≥ ${number(a.targets.exportRowsPerSecond)} rows/s | ${verdict(a.export.rowsPerSecond, a.targets.exportRowsPerSecond, undefined, 'higher')} | ${a.export.request}: ${number(a.export.rows)} rows, ${number(a.export.bytes / 1e6, 1)} MB in ${a.export.seconds} s (HTTP ${a.export.status}) |`);
    lines.push(`| 3 | Verify rate | ${number(a.verify.rowsPerSecond)} rows/s | ≥ ${number(a.targets.verifyRowsPerSecond)} rows/s | ${verdict(a.verify.ok ? a.verify.rowsPerSecond : 0, a.targets.verifyRowsPerSecond, undefined, 'higher')} | ${a.verify.request}: ok=${a.verify.ok}, ${number(a.verify.checked)} rows in ${a.verify.seconds} s (HTTP ${a.verify.status}) |`);
    if (d.generation) lines.push(`| 3 | (dataset generation) | ${number(d.generation.rowsPerSecond)} rows/s chained + COPY | — | | ${d.generation.loadSeconds.toFixed(0)} s load + ${d.generation.indexSeconds.toFixed(0)} s indexes |`);
  }
  const mem = results.memory;
  if (mem?.broker) {
    const instances = mem.broker.instances > 1 ? ` (the largest of ${mem.broker.instances} instances; ${mem.broker.totalPeakRssMb} MB together)` : '';
    lines.push(`| 4 | Broker peak RSS | ${mem.broker.peakRssMb} MB${instances} | ≤ ${mem.targetMb} MB | ${verdict(mem.broker.peakRssMb, mem.targetMb, undefined, 'lower')} | VmHWM of the broker process, ${mem.broker.measuredDuring}; sampled peak VmRSS ${mem.broker.sampledPeakRssMb} MB; ${mem.settings} |`);
  }
  if (mem?.passthrough) lines.push(`| 4 | (passthrough peak RSS) | ${mem.passthrough.peakRssMb} MB | — | | VmHWM, ${mem.passthrough.measuredDuring} |`);
  const f = results.freshness;
  if (f) {
    lines.push(
      `| 5 | Shares after a committed withdrawal | ${f.sharedAfterWithdrawal} | ${f.target} | ${f.sharedAfterWithdrawal === f.target ? '✅' : '❌'} | ${number(f.events)} events about ${f.people} people at ${f.rate}/s for ${f.seconds} s; ${f.withdrawals} withdrawals committed mid-stream; ${f.decisionsAfterWithdrawal} decisions after a withdrawal, ${f.sharedBeforeWithdrawal} shares before; ${f.method} |`,
    );
  }
  for (const error of results.errors) lines.push(`| ! | ${error.phase} failed | ${error.message.split('\n')[0]!.replace(/\|/g, '\\|')} | | ❌ | |`);
  lines.push('');
  return lines.join('\n');
}

/** Machine CPU per event as a figure cell and its conditions (the parts, and the cores they kept busy). */
function machineCpuCells(use: CpuUse, window: string): string {
  const { microsecondsPerEvent: us, cores } = use;
  return `${number(us.machine, 1)} µs | — | | machine CPU (all but idle and I/O wait) per event ${window}; of it ${number(us.system, 1)} µs this process, ${number(us.postgres, 1)} Postgres, ${number(us.kafka, 1)} Kafka, ${number(us.harness, 1)} the harness; cores busy: machine ${number(cores.machine, 2)}, process ${number(cores.system, 2)}, Postgres ${number(cores.postgres, 2)}, Kafka ${number(cores.kafka, 2)}`;
}
