import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { GENESIS_HASH, type ChainHead, type ChainedDecision, type UnchainedDecision } from '@accord/audit-chain';
import { eventsTopic } from '@accord/contracts';
import { exampleEventData } from '@accord/testing';
import { leafPaths, subjectKeys, type Agreement } from '@accord/governance';
import { chainKey, chainOnto, chainsOf, DECISION_COLUMNS, type ChainKey } from '@accord/persistence';
import { createHubDatabase, databaseExists, databaseUrl, openHubDatabase, seedGovernance } from './database';
import { progress, throttled } from './progress';
import { createPerson, createRandom, createScenario, type Random } from './scenario';

/*
 * A large audit log, generated in bulk with a valid hash chain: rows shaped like the
 * broker's decisions on the reference agreements (reference participant ids, as in a real
 * hub), spread evenly over the last year, about a person each 20 rows. Rows are chained
 * with `chain()` of @accord/audit-chain in this process and streamed to Postgres with
 * COPY (through psql, so no extra npm dependency), with the table's secondary indexes
 * dropped during the load and rebuilt after it — as one would restore a dump.
 */

/** Bump when the shape of the generated rows changes, so an older dataset is regenerated. */
export const GENERATOR_VERSION = 'audit-rows-v3';
const SPAN_DAYS = 365;
const CHUNK = 20_000;
const ROWS_PER_PERSON = 20;

export interface AuditDataset {
  database: string;
  url: string;
  rows: number;
  people: number;
  /** First and last decidedAt. */
  from: string;
  to: string;
  reused: boolean;
  generation?: { seconds: number; rowsPerSecond: number; loadSeconds: number; indexSeconds: number };
  recipients: string[];
}

/** The person `index` of the audit dataset and their keyed identifiers. */
export function auditPerson(index: number, secret: string) {
  const person = createPerson(index);
  return { person, keys: subjectKeys({ nhsNumber: person.nhsNumber, niNumber: person.niNumber }, secret) };
}

export function auditPeopleCount(rows: number): number {
  return Math.max(10, Math.floor(rows / ROWS_PER_PERSON));
}

interface Template {
  eventType: string;
  source: string;
  usesNhsNumber: boolean;
  decisions: Array<Omit<UnchainedDecision, 'decisionId' | 'eventId' | 'outcome' | 'reasons' | 'fieldsReleased' | 'consentRefs' | 'subjectKey' | 'payloadDigest' | 'partition' | 'offset' | 'decidedAt'> & { released: string[] }>;
}

/** One template per event type the reference agreements cover: its candidates' decision fields. */
function templates(agreements: readonly Agreement[]): Template[] {
  const byType = new Map<string, Template>();
  for (const agreement of agreements) {
    for (const rule of agreement.rules) {
      let template = byType.get(rule.eventType);
      if (!template) {
        const data = exampleEventData(rule.eventType);
        const subject = data.subject as Record<string, unknown>;
        template = { eventType: rule.eventType, source: agreement.provider, usesNhsNumber: subject.nhsNumber !== undefined, decisions: [] };
        byType.set(rule.eventType, template);
      }
      if (template.decisions.some((decision) => decision.agreementId === agreement.id)) continue; // first rule wins
      const all = leafPaths(exampleEventData(rule.eventType));
      const released = all.filter((path) => rule.fields.some((field) => path === field || path.startsWith(`${field}.`)));
      for (const recipient of agreement.recipients) {
        template.decisions.push({
          eventType: rule.eventType,
          source: agreement.provider,
          recipient,
          agreementId: agreement.id,
          agreementVersion: 1,
          purpose: agreement.purpose.code,
          lawfulBasis: { article6: agreement.lawfulBasis.article6, article9: agreement.lawfulBasis.article9, legislation: [...agreement.lawfulBasis.legislation] },
          fieldsWithheld: all.filter((path) => !released.includes(path)),
          topic: eventsTopic(agreement.provider),
          released,
        });
      }
    }
  }
  return [...byType.values()];
}

const WITHHELD_REASONS = ['condition-not-met', 'objection', 'national-opt-out', 'no-consent'];

const REASON_LISTS = {
  permitted: ['permitted'],
  rejected: ['invalid-payload'],
  withheld: WITHHELD_REASONS.map((reason) => [reason]),
};
const NONE: string[] = [];

/** Keyed hashes of every person of the dataset, computed once (two HMACs each). */
function peopleKeys(people: number, secret: string): { nhs: string[]; ni: string[] } {
  const nhs: string[] = new Array(people);
  const ni: string[] = new Array(people);
  for (let index = 0; index < people; index++) {
    const { keys } = auditPerson(index, secret);
    nhs[index] = keys.nhsNumber!;
    ni[index] = keys.niNumber!;
  }
  return { nhs, ni };
}

/**
 * Rows of the dataset in seq order, `CHUNK` at a time, unchained. Each row is built as one
 * object literal from precomputed parts (field lists are shared, never mutated), which
 * keeps generation well ahead of COPY.
 */
export function* decisionChunks(total: number, people: number, secret: string, start: number, end: number): Generator<UnchainedDecision[]> {
  // The reference ids, not a run's: this dataset stands for a real hub's year of decisions.
  const types = templates(createScenario('').agreements).map((template) => ({
    ...template,
    candidates: template.decisions.map(({ released, ...fields }) => ({
      fields,
      released,
      withheldFields: [...released, ...fields.fieldsWithheld].sort(),
    })),
  }));
  const random: Random = createRandom(20261129);
  const keys = peopleKeys(people, secret);
  const offsets = new Map<string, number>();
  const step = (end - start) / total;
  let produced = 0;
  let chunk: UnchainedDecision[] = [];
  while (produced < total) {
    const template = types[Math.floor(random() * types.length)]!;
    const personIndex = Math.floor(random() * people);
    const subjectKey = template.usesNhsNumber ? keys.nhs[personIndex]! : keys.ni[personIndex]!;
    const partition = personIndex % 6;
    const offsetKey = `${template.source}/${partition}`;
    const offset = offsets.get(offsetKey) ?? 0;
    offsets.set(offsetKey, offset + 1);
    const eventId = randomUUID();
    const rejected = random() < 0.02;
    const candidates = rejected ? template.candidates.slice(0, 1) : template.candidates;
    for (const { fields, released, withheldFields } of candidates) {
      if (produced >= total) break;
      const decidedAt = new Date(Math.floor(start + produced * step)).toISOString();
      const shared = !rejected && random() < 0.75;
      const reasons = rejected ? REASON_LISTS.rejected : shared ? REASON_LISTS.permitted : REASON_LISTS.withheld[Math.floor(random() * WITHHELD_REASONS.length)]!;
      const consulted = reasons[0] === 'objection' || reasons[0] === 'national-opt-out';
      chunk.push({
        decisionId: randomUUID(),
        eventId,
        eventType: fields.eventType,
        source: fields.source,
        recipient: rejected ? null : fields.recipient,
        agreementId: rejected ? null : fields.agreementId,
        agreementVersion: rejected ? null : fields.agreementVersion,
        purpose: rejected ? null : fields.purpose,
        lawfulBasis: rejected ? null : fields.lawfulBasis,
        outcome: rejected ? 'rejected' : shared ? 'shared' : 'withheld',
        reasons,
        fieldsReleased: shared ? released : NONE,
        fieldsWithheld: rejected ? NONE : shared ? fields.fieldsWithheld : withheldFields,
        consentRefs: consulted ? [randomUUID()] : NONE,
        subjectKey,
        payloadDigest: shared ? createHash('sha256').update(eventId).update(fields.agreementId!).digest('hex') : null,
        topic: fields.topic,
        partition,
        offset: String(offset),
        decidedAt,
      });
      produced++;
      if (chunk.length === CHUNK) {
        yield chunk;
        chunk = [];
      }
    }
  }
  if (chunk.length > 0) yield chunk;
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** COPY text format: backslash escapes, \N for null, arrays as `{"a","b"}`. */
function copyField(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  let text: string;
  if (typeof value === 'string') text = value;
  else if (Array.isArray(value)) text = value.length === 0 ? '{}' : `{"${value.map((item) => String(item).replace(/["\\]/g, '\\$&')).join('","')}"}`;
  else if (typeof value === 'object') text = JSON.stringify(value);
  else text = String(value);
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(/[\\\t\n\r]/g, (character) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[character]!);
}

/** A row as a line of COPY data, its columns as DECISION_COLUMNS lists them. */
export function copyLine(row: ChainedDecision): string {
  return DECISION_COLUMNS.map(({ field }) => copyField(row[field])).join('\t');
}

/** Streams COPY data to `psql`; resolves when psql has loaded everything. */
function copyInto(url: string, table: string, columns: readonly string[]) {
  const child = spawn('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', `COPY ${table} (${columns.join(', ')}) FROM STDIN`], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk.toString()));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`psql COPY failed (${code}): ${stderr.trim()}`))));
  });
  return {
    async write(text: string): Promise<void> {
      if (!child.stdin!.write(text)) await new Promise<void>((resolve) => child.stdin!.once('drain', resolve));
    },
    async end(): Promise<void> {
      child.stdin!.end();
      await done;
    },
  };
}

/** Secondary indexes and unique constraints of `decisions`, as statements that recreate them. */
async function secondaryIndexes(dataSource: DataSource): Promise<Array<{ name: string; drop: string; create: string }>> {
  const constraints: Array<{ name: string; definition: string }> = await dataSource.query(
    `SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint
      WHERE conrelid = 'accord.decisions'::regclass AND contype = 'u'`,
  );
  const indexes: Array<{ name: string; definition: string }> = await dataSource.query(
    `SELECT i.indexname AS name, i.indexdef AS definition FROM pg_indexes i
      WHERE i.schemaname = 'accord' AND i.tablename = 'decisions'
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = to_regclass('accord.' || i.indexname))`,
  );
  return [
    ...constraints.map(({ name, definition }) => ({
      name,
      drop: `ALTER TABLE accord.decisions DROP CONSTRAINT "${name}"`,
      create: `ALTER TABLE accord.decisions ADD CONSTRAINT "${name}" ${definition}`,
    })),
    ...indexes.map(({ name, definition }) => ({ name, drop: `DROP INDEX accord."${name}"`, create: definition })),
  ];
}

async function readMeta(url: string): Promise<{ version: string; rows: number; people: number; from: string; to: string } | undefined> {
  const dataSource = await openHubDatabase(url, 2).catch(() => undefined);
  if (!dataSource) return undefined;
  try {
    const [meta] = await dataSource.query(
      `SELECT generator, rows, people, first_decided_at, last_decided_at FROM public.bench_audit_meta WHERE completed_at IS NOT NULL`,
    );
    const [head] = await dataSource.query('SELECT greatest((SELECT max(seq) FROM audit_chain_heads), (SELECT boundary_seq FROM audit_chain_root)) AS seq');
    if (!meta || Number(head.seq) !== Number(meta.rows)) return undefined;
    return {
      version: meta.generator,
      rows: Number(meta.rows),
      people: Number(meta.people),
      from: new Date(meta.first_decided_at).toISOString(),
      to: new Date(meta.last_decided_at).toISOString(),
    };
  } catch {
    return undefined;
  } finally {
    await dataSource.destroy();
  }
}

/**
 * The audit dataset of `rows` rows in database `name`: reused when a completed dataset of
 * the same size and generator version is there (pending migrations are applied to it),
 * otherwise (re)generated.
 */
export async function ensureAuditDataset(options: { maintenanceUrl: string; database: string; rows: number; secret: string; reuse: boolean }): Promise<AuditDataset> {
  const { maintenanceUrl, database, rows, secret } = options;
  const url = databaseUrl(maintenanceUrl, database);
  const recipients = [...new Set(createScenario('').agreements.flatMap((agreement) => agreement.recipients))].sort();
  if (options.reuse && (await databaseExists(maintenanceUrl, database))) {
    const meta = await readMeta(url);
    if (meta && meta.version === GENERATOR_VERSION && meta.rows === rows) {
      progress(`audit: REUSING ${rows.toLocaleString('en-GB')} generated rows in database ${database} (set BENCH_AUDIT_REUSE=0 to regenerate)`);
      return { database, url, rows, people: meta.people, from: meta.from, to: meta.to, reused: true, recipients };
    }
    progress(`audit: database ${database} exists but does not hold a complete ${GENERATOR_VERSION} dataset of ${rows} rows; regenerating`);
  }

  const started = Date.now();
  progress(`audit: generating ${rows.toLocaleString('en-GB')} decision rows into ${database}`);
  const { dataSource } = await createHubDatabase(maintenanceUrl, database);
  const people = auditPeopleCount(rows);
  const end = Date.now() - 60_000;
  const start = end - SPAN_DAYS * 86_400_000;
  try {
    // The reference participants and agreements, so reports can name them and their versions.
    await seedGovernance(dataSource, createScenario(''));
    await dataSource.query(
      `CREATE TABLE public.bench_audit_meta (generator text NOT NULL, rows bigint NOT NULL, people integer NOT NULL,
         first_decided_at timestamptz NOT NULL, last_decided_at timestamptz NOT NULL, completed_at timestamptz)`,
    );
    await dataSource.query(`INSERT INTO public.bench_audit_meta VALUES ($1, $2, $3, $4, $5, NULL)`, [
      GENERATOR_VERSION, rows, people, new Date(start), new Date(start + (rows - 1) * ((end - start) / rows)),
    ]);
    const indexes = await secondaryIndexes(dataSource);
    for (const index of indexes) await dataSource.query(index.drop);
    progress(`audit: dropped ${indexes.length} secondary indexes for the load (${indexes.map((index) => index.name).join(', ')})`);

    const loadStarted = Date.now();
    const copy = copyInto(url, 'accord.decisions', DECISION_COLUMNS.map(({ column }) => column));
    const report = throttled(3000);
    // As the broker writes them: one chain per events-topic partition, from genesis (docs/audit-chains.md).
    const heads = new Map<string, ChainHead & ChainKey>();
    let seq = 0;
    let loaded = 0;
    for (const unchained of decisionChunks(rows, people, secret, start, end)) {
      for (const chain of chainsOf(unchained)) if (!heads.has(chainKey(chain))) heads.set(chainKey(chain), { ...chain, seq: 0, hash: GENESIS_HASH });
      const chained = chainOnto(unchained, heads, unchained.map(() => ++seq))!;
      for (const row of chained) heads.set(chainKey(row), { topic: row.topic, partition: row.partition, seq: row.seq, hash: row.hash });
      let text = '';
      for (const row of chained) text += copyLine(row) + '\n';
      await copy.write(text);
      loaded += chained.length;
      report(() => {
        const seconds = (Date.now() - loadStarted) / 1000;
        return `audit: ${loaded.toLocaleString('en-GB')} / ${rows.toLocaleString('en-GB')} rows chained and sent (${Math.round(loaded / seconds).toLocaleString('en-GB')}/s)`;
      });
    }
    await copy.end();
    const loadSeconds = (Date.now() - loadStarted) / 1000;
    progress(`audit: ${loaded.toLocaleString('en-GB')} rows loaded in ${loadSeconds.toFixed(1)} s; moving the chain head and linking identifiers`);
    const chains = [...heads.values()];
    await dataSource.query(
      `INSERT INTO audit_chain_heads (topic, kafka_partition, seq, hash) SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[])`,
      [chains.map((chain) => chain.topic), chains.map((chain) => chain.partition), chains.map((chain) => chain.seq), chains.map((chain) => chain.hash)],
    );
    await dataSource.query(`SELECT setval('decisions_seq', $1)`, [seq]);
    await dataSource.query('UPDATE audit_cut SET seq = $1 WHERE id = 1', [seq]);
    await linkIdentifiers(dataSource, people, secret);

    const indexStarted = Date.now();
    // One session with room to sort in memory: building an index on 10 million rows is then a matter of seconds, not minutes.
    const session = dataSource.createQueryRunner();
    try {
      await session.query(`SET maintenance_work_mem = '512MB'`);
      for (const index of indexes) {
        progress(`audit: rebuilding ${index.name}`);
        await session.query(index.create);
      }
      progress('audit: ANALYZE');
      await session.query('ANALYZE accord.decisions');
    } finally {
      await session.release();
    }
    const indexSeconds = (Date.now() - indexStarted) / 1000;
    await dataSource.query('UPDATE public.bench_audit_meta SET completed_at = now()');
    const seconds = (Date.now() - started) / 1000;
    progress(`audit: dataset ready in ${seconds.toFixed(1)} s`);
    const meta = await dataSource.query('SELECT first_decided_at, last_decided_at FROM public.bench_audit_meta');
    return {
      database,
      url,
      rows,
      people,
      from: new Date(meta[0].first_decided_at).toISOString(),
      to: new Date(meta[0].last_decided_at).toISOString(),
      reused: false,
      generation: { seconds, rowsPerSecond: rows / loadSeconds, loadSeconds, indexSeconds },
      recipients,
    };
  } finally {
    await dataSource.destroy();
  }
}

/** The NHS-key/NI-key pairs the broker records when an event carried both (here: every person has both). */
async function linkIdentifiers(dataSource: DataSource, people: number, secret: string): Promise<void> {
  const exists = await dataSource.query(`SELECT to_regclass('accord.subject_key_links') IS NOT NULL AS present`);
  if (!exists[0].present) return;
  for (let from = 0; from < people; from += 10_000) {
    const nhs: string[] = [];
    const ni: string[] = [];
    for (let index = from; index < Math.min(people, from + 10_000); index++) {
      const { keys } = auditPerson(index, secret);
      nhs.push(keys.nhsNumber!);
      ni.push(keys.niNumber!);
    }
    await dataSource.query(
      `INSERT INTO subject_key_links (nhs_key, ni_key, first_seen_seq) SELECT *, 1 FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
      [nhs, ni],
    );
  }
}
