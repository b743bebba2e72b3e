import { performance } from 'node:perf_hooks';
import type { AuditDataset } from './audit-data';
import { auditPerson } from './audit-data';
import { get, getJson } from './http';
import { rounded, summarise, type Summary } from './percentiles';
import { progress, throttled } from './progress';
import { createRandom, createScenario } from './scenario';
import { startHubApi } from './systems';

export interface QueryResult {
  /** What was asked, e.g. `GET /v1/audit/decisions?nhsNumber=…` (first page). */
  request: string;
  latencyMs: Summary;
  /** Mean rows (items or report entries) in an answer: checks the queries found something. */
  meanRows: number;
  failures: number;
}

export interface AuditResult {
  dataset: Omit<AuditDataset, 'url'>;
  warmUpQueries: number;
  subjectQuery: QueryResult;
  subjectReport: QueryResult;
  recipientDayQuery: QueryResult;
  /**
   * The auditor's other filters, one first page each (fewer requests): each names the
   * index of `decisions` that serves it, or that none does since issue 19 dropped it.
   */
  filterQueries: Record<string, QueryResult & { servedBy: string }>;
  export: { request: string; rows: number; bytes: number; seconds: number; rowsPerSecond: number; status: number };
  verify: { request: string; ok: boolean; checked: number; seconds: number; rowsPerSecond: number; status: number; answer: unknown };
  hubApi: { peakRssMb: number };
}

const WARM_UP = 5;

/**
 * The auditor API of hub-api (its own process, against the generated dataset), measured
 * one request at a time over loopback HTTP, as an auditor's client would see it. Checkpoint
 * sealing is off (AUDIT_CHECKPOINT_INTERVAL_SECONDS=0) so that no background verification
 * competes with the measured requests.
 */
export async function measureAudit(options: {
  runId: string;
  dataset: AuditDataset;
  kafkaBrokers: string[];
  subjectKeySecret: string;
  queries: number;
}): Promise<AuditResult> {
  const { dataset, queries } = options;
  progress('audit: starting hub-api against the dataset (pending migrations run first)');
  const hub = await startHubApi({ name: `${options.runId}-hub-api`, databaseUrl: dataset.url, kafkaBrokers: options.kafkaBrokers, readyTimeoutMs: 60 * 60 * 1000 });
  const { token, url: base } = hub;
  try {
    const random = createRandom(4242);
    const person = () => auditPerson(Math.floor(random() * dataset.people), options.subjectKeySecret).person;
    const from = Date.parse(dataset.from);
    const days = Math.max(1, Math.floor((Date.parse(dataset.to) - from) / 86_400_000));
    const day = () => new Date(from + Math.floor(random() * days) * 86_400_000).toISOString().slice(0, 10);
    const recipient = () => dataset.recipients[Math.floor(random() * dataset.recipients.length)]!;

    const subjectQuery = await timeQueries('subject query', queries, () => `${base}/v1/audit/decisions?nhsNumber=${person().nhsNumber}`, token, (body) => (body as { items: unknown[] }).items.length);
    const subjectReport = await timeQueries('subject report', queries, () => `${base}/v1/audit/subject-report?nhsNumber=${person().nhsNumber}`, token, (body) => reportRows(body));
    const recipientDayQuery = await timeQueries(
      'recipient+day query',
      queries,
      () => {
        const date = day();
        return `${base}/v1/audit/decisions?recipient=${recipient()}&from=${date}&to=${date}`;
      },
      token,
      (body) => (body as { items: unknown[] }).items.length,
    );

    // The other filters an auditor uses, and what serves each since the indexes were pruned (migration 1764339400000).
    const reference = createScenario('').agreements;
    const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)]!;
    const month = () => {
      const start = day();
      return { from: start, to: new Date(Date.parse(start) + 29 * 86_400_000).toISOString().slice(0, 10) };
    };
    const page = (body: unknown) => (body as { items: unknown[] }).items.length;
    const fewer = Math.max(5, Math.round(queries / 4));
    const filters: Array<[name: string, servedBy: string, url: () => string]> = [
      ['source + day', 'decisions_source_seq, decisions_decided_at', () => {
        const date = day();
        return `${base}/v1/audit/decisions?source=${pick(reference).provider}&from=${date}&to=${date}`;
      }],
      ['agreement + 30 days', 'the primary key in seq order, filtered (its own B-tree was dropped; Postgres walked the key even with it)', () => {
        const { from, to } = month();
        return `${base}/v1/audit/decisions?agreementId=${pick(reference).id}&from=${from}&to=${to}`;
      }],
      ['rejections', 'decisions_rejected (partial)', () => `${base}/v1/audit/decisions?outcome=rejected`],
      ['event type', 'the primary key in seq order, then a filter (its B-tree was dropped)', () => `${base}/v1/audit/decisions?eventType=${pick(reference.flatMap((agreement) => agreement.rules.map((rule) => rule.eventType)))}`],
      ['reason', 'the primary key in seq order, then a filter (its GIN index was dropped)', () => `${base}/v1/audit/decisions?reason=${pick(['objection', 'national-opt-out', 'condition-not-met', 'no-consent'])}`],
      ['30 days, no other filter', 'the primary key in seq order, filtered (Postgres prefers it to decisions_decided_at for ORDER BY seq LIMIT)', () => {
        const { from, to } = month();
        return `${base}/v1/audit/decisions?from=${from}&to=${to}`;
      }],
    ];
    const filterQueries: AuditResult['filterQueries'] = {};
    for (const [name, servedBy, url] of filters) filterQueries[name] = { ...(await timeQueries(name, fewer, url, token, page)), servedBy };

    // Export: every decision for one recipient over the whole dataset, as CSV.
    const exportRecipient = dataset.recipients[0]!;
    const exportPath = `/v1/audit/decisions?recipient=${exportRecipient}`;
    progress(`audit: CSV export of ${exportPath}`);
    let lines = 0;
    let bytes = 0;
    const report = throttled(3000);
    const exportStarted = performance.now();
    const exported = await get(`${base}${exportPath}`, { authorization: `Bearer ${token}`, accept: 'text/csv' }, (chunk) => {
      bytes += chunk.length;
      for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, index + 1)) lines++;
      report(() => `audit: export ${lines.toLocaleString('en-GB')} lines so far`);
    });
    const exportSeconds = (performance.now() - exportStarted) / 1000;
    const exportRows = Math.max(0, lines - 1); // the header line
    progress(`audit: exported ${exportRows.toLocaleString('en-GB')} rows in ${exportSeconds.toFixed(1)} s (HTTP ${exported.status})`);

    progress(`audit: verifying the whole chain (${dataset.rows.toLocaleString('en-GB')} rows) through GET /v1/audit/verify`);
    const verified = await getJson<{ ok?: boolean; checked?: number }>(`${base}/v1/audit/verify`, token);
    const checked = Number(verified.body.checked ?? 0);
    progress(`audit: verify answered ${verified.status} ok=${verified.body.ok} checked=${checked.toLocaleString('en-GB')} in ${(verified.ms / 1000).toFixed(1)} s`);

    const { url: _url, ...dataset_ } = dataset;
    return {
      dataset: dataset_,
      warmUpQueries: WARM_UP,
      subjectQuery,
      subjectReport,
      recipientDayQuery,
      filterQueries,
      export: {
        request: `GET ${exportPath} (Accept: text/csv)`,
        rows: exportRows,
        bytes,
        seconds: round(exportSeconds, 2),
        rowsPerSecond: Math.round(exportRows / exportSeconds),
        status: exported.status,
      },
      verify: {
        request: 'GET /v1/audit/verify',
        ok: verified.body.ok === true,
        checked,
        seconds: round(verified.ms / 1000, 2),
        rowsPerSecond: Math.round(checked / (verified.ms / 1000)),
        status: verified.status,
        answer: verified.body,
      },
      hubApi: { peakRssMb: hub.app.memory().peakRssMb },
    };
  } finally {
    await hub.stop();
  }
}

function reportRows(body: unknown): number {
  const report = body as Record<string, unknown>;
  for (const key of ['entries', 'items', 'decisions']) if (Array.isArray(report[key])) return (report[key] as unknown[]).length;
  return 0;
}

async function timeQueries(label: string, count: number, url: () => string, token: string, rowsOf: (body: unknown) => number): Promise<QueryResult> {
  progress(`audit: ${label}: ${WARM_UP} warm-up + ${count} timed requests, one at a time`);
  const samples: number[] = [];
  let rows = 0;
  let failures = 0;
  let example = '';
  for (let index = 0; index < WARM_UP + count; index++) {
    const target = url();
    const response = await getJson<unknown>(target, token);
    if (index < WARM_UP) continue;
    if (response.status !== 200) {
      failures++;
      if (failures === 1) progress(`audit: ${label} answered ${response.status}: ${JSON.stringify(response.body).slice(0, 300)}`);
      continue;
    }
    example ||= new URL(target).pathname + new URL(target).search.replace(/nhsNumber=\d+/, 'nhsNumber=…');
    samples.push(response.ms);
    rows += rowsOf(response.body);
  }
  const latencyMs = rounded(summarise(samples), 2);
  progress(`audit: ${label}: p50 ${latencyMs.p50} ms, p95 ${latencyMs.p95} ms (${failures} failed)`);
  return { request: `GET ${example}`, latencyMs, meanRows: samples.length ? round(rows / samples.length, 1) : 0, failures };
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));
