import type { EntityManager } from 'typeorm';
import { chain, type ChainedDecision, type ChainHead, type UnchainedDecision } from '@accord/audit-chain';

/**
 * A decision to append. `subjectKeys` is optional and not part of the row: when a record
 * carried both an NHS and an NI number, pass `subjectKeys(subject, secret)` (from
 * `@accord/governance`) and the pair of keyed hashes is remembered, so that an auditor
 * searching by either identifier also finds the rows keyed by the other (`subjectKey`
 * holds only the NHS number's key when both are present).
 */
export type DecisionToAppend = UnchainedDecision & {
  subjectKeys?: { nhsNumber?: string; niNumber?: string };
};

/**
 * Takes the chain head's row lock in the caller's transaction (writers take turns here;
 * the lock is held until that transaction ends) and reads the head. A writer that must read the log before appending — the broker,
 * checking what is already recorded — locks first and passes the head to appendDecisions.
 */
export async function lockChainHead(manager: EntityManager): Promise<ChainHead> {
  const [head] = await manager.query('SELECT seq, hash FROM audit_chain_head WHERE id = 1 FOR UPDATE');
  if (!head) throw new Error('the audit chain head row is missing: run the hub migrations');
  return { seq: Number(head.seq), hash: head.hash };
}

/**
 * The columns of `decisions` in table order, each with its Postgres type and how a chained
 * row gives its value: the one list both INSERT_ROWS and `decisionRowParameters` are made from, so
 * the statement's parameters and the arrays sent for them cannot drift apart. The four
 * lists and the lawful basis repeat across the rows of an agreement rule, so each
 * distinct one is sent once and a row holds its subscript (`distinct`).
 */
const ROW_COLUMNS: ReadonlyArray<
  | { column: string; type: string; value: (row: ChainedDecision) => string | number | null; distinct?: undefined }
  | { column: string; type: 'text[]'; value: (row: ChainedDecision) => readonly string[]; distinct: 'list' }
  | { column: string; type: 'jsonb'; value: (row: ChainedDecision) => ChainedDecision['lawfulBasis'] | undefined; distinct: 'basis' }
> = [
  { column: 'seq', type: 'bigint', value: (row) => row.seq },
  { column: 'decision_id', type: 'uuid', value: (row) => row.decisionId },
  { column: 'event_id', type: 'text', value: (row) => row.eventId },
  { column: 'event_type', type: 'text', value: (row) => row.eventType },
  { column: 'source', type: 'text', value: (row) => row.source },
  { column: 'recipient', type: 'text', value: (row) => row.recipient },
  { column: 'agreement_id', type: 'text', value: (row) => row.agreementId },
  { column: 'agreement_version', type: 'int', value: (row) => row.agreementVersion },
  { column: 'purpose', type: 'text', value: (row) => row.purpose },
  { column: 'lawful_basis', type: 'jsonb', value: (row) => row.lawfulBasis, distinct: 'basis' },
  { column: 'outcome', type: 'text', value: (row) => row.outcome },
  { column: 'reasons', type: 'text[]', value: (row) => row.reasons, distinct: 'list' },
  { column: 'fields_released', type: 'text[]', value: (row) => row.fieldsReleased, distinct: 'list' },
  { column: 'fields_withheld', type: 'text[]', value: (row) => row.fieldsWithheld, distinct: 'list' },
  { column: 'consent_refs', type: 'text[]', value: (row) => row.consentRefs, distinct: 'list' },
  { column: 'subject_key', type: 'text', value: (row) => row.subjectKey },
  { column: 'payload_digest', type: 'text', value: (row) => row.payloadDigest },
  { column: 'topic', type: 'text', value: (row) => row.topic },
  { column: 'kafka_partition', type: 'int', value: (row) => row.partition },
  { column: 'kafka_offset', type: 'text', value: (row) => row.offset },
  { column: 'decided_at', type: 'timestamptz', value: (row) => row.decidedAt },
  { column: 'prev_hash', type: 'text', value: (row) => row.prevHash },
  { column: 'hash', type: 'text', value: (row) => row.hash },
];

/** Where the distinct lists ($24) and lawful bases ($25) go, after one parameter per column. */
const LISTS_PARAMETER = `$${ROW_COLUMNS.length + 1}::text[]`;
const BASES_PARAMETER = `$${ROW_COLUMNS.length + 2}::text[]`;

/**
 * The chained rows ($1–$25 from `decisionRowParameters`), inserted in seq order. Each column comes
 * as one array, unnested row by row: Postgres parses an array of scalars for a fraction of
 * what json_to_recordset costs it per row (it parses every object into a hash table, and
 * each text[] and the jsonb through JSON again), and the append is the hub's busiest
 * statement. The unnests run side by side in the select list, which yields the rows in
 * order without first copying each array into a tuplestore as `FROM unnest(…)` does.
 */
const INSERT_ROWS = `INSERT INTO decisions (${ROW_COLUMNS.map(({ column }) => column).join(', ')})
  SELECT ${ROW_COLUMNS.map(({ column, type, distinct }) =>
    distinct === undefined ? column : `(${distinct === 'list' ? LISTS_PARAMETER : BASES_PARAMETER})[${column}]::${type}`,
  ).join(', ')}
  FROM (
    SELECT ${ROW_COLUMNS.map(({ column, type, distinct }, index) => `unnest($${index + 1}::${distinct ? 'int' : type}[]) AS ${column}`).join(', ')}
  ) input`;

/** The NHS/NI key pairs ($28–$30) to remember. */
const INSERT_LINKS = `INSERT INTO subject_key_links (nhs_key, ni_key, first_seen_seq) SELECT * FROM unnest($28::text[], $29::text[], $30::bigint[])`;

/** $1–$25 of INSERT_ROWS, the new head ($26, $27) and INSERT_LINKS' $28–$30. */
function appendParameters(chained: readonly ChainedDecision[], links: ReturnType<typeof subjectKeyLinks>): unknown[] {
  const last = chained[chained.length - 1];
  return [
    ...decisionRowParameters(chained),
    last.seq,
    last.hash,
    links.map((link) => link.nhsKey),
    links.map((link) => link.niKey),
    links.map((link) => link.seq),
  ];
}

/**
 * INSERT_ROWS' parameters: one array literal per column of ROW_COLUMNS, then each distinct
 * list (as a text[] literal) and each distinct lawful basis (as JSON), which the `distinct`
 * columns hold subscripts into. The literals are written here rather than by pg, whose
 * escaping of arrays costs twice a JSON.stringify per row. Exported for the benchmark,
 * which times exactly what an append sends.
 */
export function decisionRowParameters(rows: readonly ChainedDecision[]): string[] {
  const lists = new Numbering();
  const bases = new Numbering();
  const columns = ROW_COLUMNS.map((column) => {
    switch (column.distinct) {
      case 'list':
        return arrayLiteral(rows.map((row) => {
          const items = column.value(row);
          return lists.numberOf(JSON.stringify(items), () => arrayLiteral(items));
        }));
      case 'basis':
        return arrayLiteral(rows.map((row) => {
          const basis = column.value(row);
          if (basis === null || basis === undefined) return null;
          const json = JSON.stringify(basis);
          return bases.numberOf(json, () => json);
        }));
      default:
        return arrayLiteral(rows.map(column.value));
    }
  });
  return [...columns, arrayLiteral(lists.values), arrayLiteral(bases.values)];
}

/** Distinct values numbered from 1 (a Postgres array's first subscript) in order of first use. */
class Numbering {
  readonly values: string[] = [];
  private readonly numbers = new Map<string, number>();

  numberOf(key: string, value: () => string): number {
    let number = this.numbers.get(key);
    if (number === undefined) {
      number = this.values.push(value());
      this.numbers.set(key, number);
    }
    return number;
  }
}

const QUOTE_BACKSLASH_OR_SURROGATE = /["\\\ud800-\udfff]/;
const QUOTES_AND_BACKSLASHES = /["\\]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * A Postgres array literal. Every string is quoted, so that none reads as NULL or splits
 * at a comma or brace; numbers (safe integers, as `chain` checks) are written bare.
 */
function arrayLiteral(values: ReadonlyArray<string | number | null | undefined>): string {
  return `{${values.map(arrayElement).join(',')}}`;
}

function arrayElement(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') return String(value);
  if (!QUOTE_BACKSLASH_OR_SURROGATE.test(value)) return `"${value}"`;
  // Sent as UTF-8, a lone surrogate would be stored as U+FFFD, which its hash does not
  // cover: refuse it, as Postgres refuses \u0000 and a lone surrogate escaped in JSON.
  if (LONE_SURROGATE.test(value)) throw new Error('a decision holds a lone UTF-16 surrogate, which Postgres text cannot store');
  return `"${value.replace(QUOTES_AND_BACKSLASHES, '\\$&')}"`;
}

/**
 * The audit log's writer (write-ahead: call it in the transaction that must be durable
 * before anything is released, then commit, then produce).
 *
 * One global chain for the whole hub, serialised by a row lock: the writer locks the
 * single `audit_chain_head` row (SELECT … FOR UPDATE), takes the next sequence numbers,
 * links and hashes its rows onto the head, inserts them in one multi-row statement and
 * moves the head — all in the caller's transaction. Concurrent broker instances therefore
 * take turns per batch: the second blocks on the head row until the first commits (or
 * rolls back, in which case nothing it chained exists and the second chains onto the
 * unchanged head). So the chain can have no gap, fork or duplicate seq, whatever the
 * number of writers. The price is that appends are serial across the hub, and that the
 * lock is held until the caller commits: keep the work after this call short (commit,
 * then produce to Kafka — not the other way round). If one chain ever becomes the
 * bottleneck, the design moves to one chain per partition segment (ARCHITECTURE.md,
 * Scale-out), each with its own head row.
 */
export async function appendDecisions(
  manager: EntityManager,
  decisions: DecisionToAppend[],
  lockedHead?: ChainHead,
): Promise<ChainedDecision[]> {
  if (decisions.length === 0) return [];
  const head = lockedHead ?? (await lockChainHead(manager));
  const chained = chain(decisions, head);
  // One statement, one round trip, under the head lock the caller's transaction holds:
  // insert the rows, move the head, remember NHS/NI key pairs.
  const links = subjectKeyLinks(decisions, chained);
  await manager.query(
    `WITH appended AS (${INSERT_ROWS}), head AS (
       UPDATE audit_chain_head SET seq = $26, hash = $27 WHERE id = 1
     )
     -- Written under the head lock, so two writers never wait on each other's uncommitted link (no deadlock).
     ${INSERT_LINKS} ON CONFLICT (nhs_key, ni_key) DO NOTHING`,
    appendParameters(chained, links),
  );
  return chained;
}

/**
 * The ids whose recorded decisions a writer must know before it appends a batch: decisions
 * with these ids (rejections, whose ids are derived from the record), and any decision
 * other than a rejection about these events.
 */
export interface RecordedLookup {
  decisionIds: readonly string[];
  eventIds: readonly string[];
}

/** A decision already in the log, as a writer needs it to deliver it again rather than decide anew. */
export interface RecordedDecision {
  decisionId: string;
  eventId: string | null;
  recipient: string | null;
  agreementId: string | null;
  agreementVersion: number | null;
  purpose: string | null;
  outcome: 'shared' | 'withheld' | 'rejected';
  payloadDigest: string | null;
}

/**
 * The decisions of a RecordedLookup ($1 decision ids, $2 event ids), each row `columns`:
 * one query for `readRecordedDecisions` and for the fast path's check that nothing is
 * recorded, so the two cannot disagree. One index probe per id, whatever the statistics
 * say: `= ANY(array)` let the planner choose a scan of the whole table when it estimated
 * many matches — as it does before the table is first analysed — and each slower write
 * then gathered more batches into the next group, whose longer array made the scan more
 * likely (measured: 100–300 ms a lookup at 150k rows, and a p50 latency of 500 ms at 1,000
 * events/s). A LATERAL subquery kept from being flattened (OFFSET 0) can only be run per
 * id, with its index.
 */
function recordedQuery(decisionIds: string, eventIds: string, columns: string): string {
  return `SELECT d.* FROM unnest(${decisionIds}::uuid[]) AS wanted(id) CROSS JOIN LATERAL (
       SELECT ${columns} FROM decisions WHERE decision_id = wanted.id OFFSET 0) d
     UNION
     SELECT d.* FROM unnest(${eventIds}::text[]) AS wanted(id) CROSS JOIN LATERAL (
       SELECT ${columns} FROM decisions WHERE event_id = wanted.id AND outcome <> 'rejected' OFFSET 0) d`;
}

/**
 * The decisions of `lookup` already in the log, in seq order. Call it under the chain head
 * lock (`lockChainHead`), so that nothing it reports can change before the caller appends.
 */
export async function readRecordedDecisions(manager: EntityManager, lookup: RecordedLookup): Promise<RecordedDecision[]> {
  if (lookup.decisionIds.length === 0 && lookup.eventIds.length === 0) return [];
  const rows: Array<{
    decision_id: string;
    event_id: string | null;
    recipient: string | null;
    agreement_id: string | null;
    agreement_version: number | null;
    purpose: string | null;
    outcome: RecordedDecision['outcome'];
    payload_digest: string | null;
  }> = await manager.query(
    `${recordedQuery('$1', '$2', 'seq, decision_id, event_id, recipient, agreement_id, agreement_version, purpose, outcome, payload_digest')} ORDER BY seq`,
    [lookup.decisionIds, lookup.eventIds],
  );
  return rows.map((row) => ({
    decisionId: row.decision_id,
    eventId: row.event_id,
    recipient: row.recipient,
    agreementId: row.agreement_id,
    agreementVersion: row.agreement_version,
    purpose: row.purpose,
    outcome: row.outcome,
    payloadDigest: row.payload_digest,
  }));
}

/**
 * The broker's fast path: appends `decisions` onto `expectedHead` in one statement, in its
 * own transaction (no BEGIN, no COMMIT: one round trip and the commit's flush), if and only
 * if the chain head is still `expectedHead` and nothing of `lookup` is recorded (as
 * `readRecordedDecisions` would find it);
 * otherwise it writes nothing and returns undefined, and the caller takes the locking path
 * (`lockChainHead`, read what is recorded, plan, `appendDecisions`).
 *
 * Why it is as safe as the locking path: the head row's UPDATE takes the same row lock
 * (a concurrent writer's transaction is waited for, then the condition is checked again
 * on the row it committed — Postgres' read-committed rule for UPDATE), and the rows and
 * links are inserted only when that UPDATE moved the head. A writer whose view of the
 * head is stale — another instance appended meanwhile — therefore appends nothing. The
 * recorded-check reads the statement's snapshot: anything committed after it moved the
 * head, which fails the UPDATE. Nor does it append when the consent head is no longer
 * `consentSeq`, the one read before the batch's consent statements (consent-head.ts).
 */
export async function appendDecisionsIfHead(
  manager: EntityManager,
  decisions: DecisionToAppend[],
  expectedHead: ChainHead,
  lookup: RecordedLookup,
  consentSeq: number | null,
): Promise<ChainedDecision[] | undefined> {
  if (decisions.length === 0) return [];
  const chained = chain(decisions, expectedHead);
  const links = subjectKeyLinks(decisions, chained);
  // `consent` share-locks the consent head until this statement commits (see consent-head.ts).
  const [result] = await manager.query(
    `WITH recorded AS (${recordedQuery('$31', '$32', '1')} LIMIT 1
     ), consent AS (
       SELECT seq FROM consent_head WHERE id = 1 FOR SHARE
     ), head AS (
       UPDATE audit_chain_head SET seq = $26, hash = $27
        WHERE id = 1 AND seq = $33 AND hash = $34 AND NOT EXISTS (SELECT 1 FROM recorded)
          AND ($35::bigint IS NULL OR (SELECT seq FROM consent) = $35::bigint)
       RETURNING seq
     ), appended AS (
       ${INSERT_ROWS} WHERE EXISTS (SELECT 1 FROM head)
     ), links AS (
       ${INSERT_LINKS} WHERE EXISTS (SELECT 1 FROM head) ON CONFLICT (nhs_key, ni_key) DO NOTHING
     )
     SELECT EXISTS (SELECT 1 FROM head) AS appended`,
    [...appendParameters(chained, links), lookup.decisionIds, lookup.eventIds, expectedHead.seq, expectedHead.hash, consentSeq],
  );
  return result.appended ? chained : undefined;
}

/** The distinct NHS/NI key pairs of the batch, each with the first seq that carried it. */
function subjectKeyLinks(
  decisions: readonly DecisionToAppend[],
  chained: readonly ChainedDecision[],
): Array<{ nhsKey: string; niKey: string; seq: number }> {
  const links = new Map<string, { nhsKey: string; niKey: string; seq: number }>();
  decisions.forEach((decision, index) => {
    const nhsKey = decision.subjectKeys?.nhsNumber;
    const niKey = decision.subjectKeys?.niNumber;
    if (typeof nhsKey !== 'string' || typeof niKey !== 'string') return;
    const id = `${nhsKey}/${niKey}`;
    if (!links.has(id)) links.set(id, { nhsKey, niKey, seq: chained[index].seq });
  });
  return [...links.values()];
}

/**
 * A decision row read back as one JSON array (the audit store's `json_build_array` of
 * seq, decision_id, event_id, event_type, source, recipient, agreement_id,
 * agreement_version, purpose, lawful_basis, outcome, reasons, fields_released,
 * fields_withheld, consent_refs, subject_key, payload_digest, topic, kafka_partition,
 * kafka_offset, decided_at as text, prev_hash, hash) in the chain's canonical shape, for
 * verification and the auditor API.
 */
export function decisionFromValues(values: readonly unknown[]): ChainedDecision {
  const v = values as any[];
  return {
    seq: Number(v[0]),
    decisionId: v[1],
    eventId: v[2],
    eventType: v[3],
    source: v[4],
    recipient: v[5],
    agreementId: v[6],
    agreementVersion: v[7],
    purpose: v[8],
    lawfulBasis: v[9],
    outcome: v[10],
    reasons: v[11],
    fieldsReleased: v[12],
    fieldsWithheld: v[13],
    consentRefs: v[14],
    subjectKey: v[15],
    payloadDigest: v[16],
    topic: v[17],
    partition: v[18],
    offset: v[19],
    decidedAt: decidedAtOf(v[20]),
    prevHash: v[21],
    hash: v[22],
  } as ChainedDecision;
}

const MICROSECOND_TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3})(\d{3})Z$/;

/**
 * A Date (as pg returns timestamptz) becomes its ISO string. Text with microseconds (as
 * the audit reads select it) loses them only when they are zero: rows are written with
 * millisecond precision, so anything finer is an edit, and is kept to fail the hash.
 */
function decidedAtOf(value: unknown): string {
  if (typeof value === 'string') {
    const micro = MICROSECOND_TIMESTAMP.exec(value);
    if (micro) return micro[2] === '000' ? `${micro[1]}Z` : value;
  }
  return new Date(value as string | Date).toISOString();
}
