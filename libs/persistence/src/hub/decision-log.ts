import type { EntityManager } from 'typeorm';
import { chainMapKey, chainPartition, type ChainedDecision, type ChainHead, type UnchainedDecision } from '@accord/audit-chain';
import { preparedQuery } from '../database';
import { arrayLiteral, literalOf } from './array-literal';

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

/*
 * One audit chain per events-topic partition (docs/audit-chains.md): a row links to the
 * previous row of its (topic, partition), and each chain's last row is in
 * `audit_chain_heads`. Broker instances own different partitions, so they append side by
 * side; a partition that changes hands is serialised by its head row's lock.
 */

/** A partition chain: the rows of one (topic, partition). */
export interface ChainKey {
  topic: string;
  partition: number;
}

/** The key of `chains` maps (the audit chain's own, chainMapKey). */
export function chainKey(chain: ChainKey): string {
  return chainMapKey(chain.topic, chain.partition);
}

/** The distinct chains `decisions` go to, in lock order (topic, then partition). */
export function chainsOf(decisions: readonly ChainKey[]): ChainKey[] {
  const chains = new Map<string, ChainKey>();
  for (const { topic, partition } of decisions) chains.set(chainKey({ topic, partition }), { topic, partition });
  return [...chains.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}

/**
 * Creates the head rows of chains that have none yet, at the root (the single chain's
 * last row, or genesis), so that their first rows link to it. Idempotent. Call it before
 * the transaction that locks them, or in it before `lockChainHeads`.
 */
export async function ensureChainHeads(manager: EntityManager, chains: readonly ChainKey[]): Promise<void> {
  if (chains.length === 0) return;
  await manager.query(
    `INSERT INTO audit_chain_heads (topic, kafka_partition, seq, hash)
       SELECT c.topic, c.part, r.boundary_seq, r.hash
         FROM unnest($1::text[], $2::int[]) AS c(topic, part) CROSS JOIN audit_chain_root r
        ORDER BY c.topic, c.part
     ON CONFLICT (topic, kafka_partition) DO NOTHING`,
    [chains.map((chain) => chain.topic), chains.map((chain) => chain.partition)],
  );
}

/**
 * Takes the head row locks of `chains` in the caller's transaction, in one order for every
 * writer (no deadlock), and reads the heads. Held until that transaction ends: a writer
 * that must read the log before appending — the broker, checking what is already
 * recorded — locks first, so that what it reads cannot change before it appends.
 */
export async function lockChainHeads(manager: EntityManager, chains: readonly ChainKey[]): Promise<Map<string, ChainHead>> {
  const rows: Array<{ topic: string; kafka_partition: number; seq: string; hash: string }> = await manager.query(
    `SELECT topic, kafka_partition, seq, hash FROM audit_chain_heads
      WHERE (topic, kafka_partition) IN (SELECT * FROM unnest($1::text[], $2::int[]))
      ORDER BY topic, kafka_partition FOR UPDATE`,
    [chains.map((chain) => chain.topic), chains.map((chain) => chain.partition)],
  );
  const heads = new Map(rows.map((row) => [chainKey({ topic: row.topic, partition: row.kafka_partition }), { seq: Number(row.seq), hash: row.hash }]));
  if (heads.size !== new Set(chains.map(chainKey)).size) throw new Error('an audit chain head row is missing: ensureChainHeads first');
  return heads;
}

/** `count` new seqs, ascending. They only ever grow; any not appended leave a gap, which verification allows. */
export async function drawSeqs(manager: EntityManager, count: number): Promise<number[]> {
  const rows: Array<{ seq: string }> = await manager.query("SELECT nextval('decisions_seq') AS seq FROM generate_series(1, $1)", [count]);
  return rows.map((row) => Number(row.seq)).sort((a, b) => a - b);
}

/**
 * `decisions` linked onto their chains' `heads` with `seqs` (ascending, one per decision,
 * given in the decisions' order): each chain's rows in the order they come. Undefined when
 * a chain's head is at or above the seqs its rows would get: another writer of that
 * partition appended with seqs drawn later (draw again). Throws when a head is missing.
 */
export function chainOnto(
  decisions: readonly DecisionToAppend[],
  heads: ReadonlyMap<string, ChainHead>,
  seqs: readonly number[],
): ChainedDecision[] | undefined {
  const byChain = new Map<string, number[]>();
  decisions.forEach((decision, index) => {
    const key = chainKey(decision);
    const indexes = byChain.get(key);
    if (indexes) indexes.push(index);
    else byChain.set(key, [index]);
  });
  const chained: ChainedDecision[] = new Array(decisions.length);
  for (const [key, indexes] of byChain) {
    const head = heads.get(key);
    if (!head) throw new Error('no audit chain head for a partition of the batch');
    if (head.seq >= seqs[indexes[0]!]!) return undefined;
    const rows = chainPartition(
      indexes.map((index) => decisions[index]!),
      head,
      indexes.map((index) => seqs[index]!),
    );
    rows.forEach((row, position) => (chained[indexes[position]!] = row));
  }
  return chained;
}

/** A column of `decisions`: the decision field it holds and its Postgres type. */
export interface DecisionColumn {
  field: keyof ChainedDecision;
  column: string;
  type: 'bigint' | 'uuid' | 'text' | 'int' | 'jsonb' | 'text[]' | 'timestamptz';
}

/**
 * The columns of `decisions` in table order, each with the decision field it holds and its
 * Postgres type: the one list the append (INSERT_ROWS and `decisionRowParameters`) and
 * every read of whole rows (DECISION_COLUMNS) are made from, so a statement and what is
 * sent or parsed for it cannot drift apart. The four lists and the lawful basis repeat
 * across the rows of an agreement rule, so each distinct one is sent once and a row holds
 * its subscript (`distinct`).
 */
const ROW_COLUMNS: ReadonlyArray<DecisionColumn & { distinct?: 'list' | 'basis' }> = [
  { field: 'seq', column: 'seq', type: 'bigint' },
  { field: 'decisionId', column: 'decision_id', type: 'uuid' },
  { field: 'eventId', column: 'event_id', type: 'text' },
  { field: 'eventType', column: 'event_type', type: 'text' },
  { field: 'source', column: 'source', type: 'text' },
  { field: 'recipient', column: 'recipient', type: 'text' },
  { field: 'agreementId', column: 'agreement_id', type: 'text' },
  { field: 'agreementVersion', column: 'agreement_version', type: 'int' },
  { field: 'purpose', column: 'purpose', type: 'text' },
  { field: 'lawfulBasis', column: 'lawful_basis', type: 'jsonb', distinct: 'basis' },
  { field: 'outcome', column: 'outcome', type: 'text' },
  { field: 'reasons', column: 'reasons', type: 'text[]', distinct: 'list' },
  { field: 'fieldsReleased', column: 'fields_released', type: 'text[]', distinct: 'list' },
  { field: 'fieldsWithheld', column: 'fields_withheld', type: 'text[]', distinct: 'list' },
  { field: 'consentRefs', column: 'consent_refs', type: 'text[]', distinct: 'list' },
  { field: 'subjectKey', column: 'subject_key', type: 'text' },
  { field: 'payloadDigest', column: 'payload_digest', type: 'text' },
  { field: 'topic', column: 'topic', type: 'text' },
  { field: 'partition', column: 'kafka_partition', type: 'int' },
  { field: 'offset', column: 'kafka_offset', type: 'text' },
  { field: 'decidedAt', column: 'decided_at', type: 'timestamptz' },
  { field: 'prevHash', column: 'prev_hash', type: 'text' },
  { field: 'hash', column: 'hash', type: 'text' },
];

/** The columns of `decisions` in table order, with the field each holds and its type: what a read of whole rows selects, in that order (see `decisionFromValues`). */
export const DECISION_COLUMNS: readonly DecisionColumn[] = ROW_COLUMNS;

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

/** The NHS/NI key pairs ($32–$34) to remember, sorted (two writers inserting the same pairs wait in one order, never on each other). */
const INSERT_LINKS = `INSERT INTO subject_key_links (nhs_key, ni_key, first_seen_seq) SELECT * FROM unnest($32::text[], $33::text[], $34::bigint[])`;

/**
 * The append, one statement: it locks the chains' heads (FOR UPDATE; already held on the
 * locking path) and appends the rows, moves the heads and remembers the key pairs if and
 * only if every head is still the one the rows were linked onto ($26, $27, $30, $31), the
 * seqs are above the last cut ($38, `audit_cut`, share-locked until commit so that a
 * sealer's cut waits for this append or sees it fail), nothing of the lookup ($35, $36)
 * is recorded, and the consent head is still $37 (share-locked until commit, see
 * consent-head.ts). Otherwise it writes nothing.
 *
 * `locked` re-reads each head row as it is after any writer it waited for committed (a
 * locking read in read committed), so the comparison is with the heads as they now are.
 * On the fast path, a writer whose knowledge is stale therefore appends nothing; a
 * recorded-check that missed a row committed while this statement waited is covered by
 * that too, since the same event is on the same partition, whose head that commit moved.
 */
const APPEND_IF_HEADS = `WITH locked AS (
    SELECT h.topic, h.kafka_partition, h.seq, h.hash FROM audit_chain_heads h
     WHERE (h.topic, h.kafka_partition) IN (SELECT * FROM unnest($26::text[], $27::int[]))
     ORDER BY h.topic, h.kafka_partition FOR UPDATE
  ), cut AS (
    SELECT seq FROM audit_cut WHERE id = 1 FOR SHARE
  ), consent AS (
    SELECT seq FROM consent_head WHERE id = 1 FOR SHARE
  ), recorded AS (
    ${recordedQuery('$35', '$36', '1')} LIMIT 1
  ), go AS (
    SELECT (SELECT count(*) FROM locked l
              JOIN unnest($26::text[], $27::int[], $30::bigint[], $31::text[]) AS e(topic, part, seq, hash)
                ON l.topic = e.topic AND l.kafka_partition = e.part AND l.seq = e.seq AND l.hash = e.hash) = cardinality($26::text[])
       AND $38::bigint > (SELECT seq FROM cut)
       AND NOT EXISTS (SELECT 1 FROM recorded)
       AND ($37::bigint IS NULL OR (SELECT seq FROM consent) = $37::bigint) AS ok
  ), head AS (
    UPDATE audit_chain_heads h SET seq = u.seq, hash = u.hash
      FROM unnest($26::text[], $27::int[], $28::bigint[], $29::text[]) AS u(topic, part, seq, hash)
     WHERE h.topic = u.topic AND h.kafka_partition = u.part AND (SELECT ok FROM go)
  ), appended AS (
    ${INSERT_ROWS} WHERE (SELECT ok FROM go)
  ), links AS (
    ${INSERT_LINKS} WHERE (SELECT ok FROM go) ON CONFLICT (nhs_key, ni_key) DO NOTHING
  )
  SELECT (SELECT ok FROM go) AS appended`;

/** APPEND_IF_HEADS' parameters. */
function appendParameters(
  decisions: readonly DecisionToAppend[],
  chained: readonly ChainedDecision[],
  expected: ReadonlyMap<string, ChainHead>,
  lookup: RecordedLookup,
  consentSeq: number | null,
): unknown[] {
  const chains = chainsOf(chained);
  const last = new Map<string, ChainedDecision>();
  for (const row of chained) last.set(chainKey(row), row);
  const links = subjectKeyLinks(decisions, chained);
  return [
    ...decisionRowParameters(chained),
    chains.map((chain) => chain.topic),
    chains.map((chain) => chain.partition),
    chains.map((chain) => last.get(chainKey(chain))!.seq),
    chains.map((chain) => last.get(chainKey(chain))!.hash),
    chains.map((chain) => expected.get(chainKey(chain))!.seq),
    chains.map((chain) => expected.get(chainKey(chain))!.hash),
    links.map((link) => link.nhsKey),
    links.map((link) => link.niKey),
    links.map((link) => link.seq),
    arrayLiteral(lookup.decisionIds),
    arrayLiteral(lookup.eventIds),
    consentSeq,
    Math.min(...chained.map((row) => row.seq)),
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
  const lists = new ListNumbering();
  const bases = new Map<string, number>();
  // Rows of one agreement version share their basis object: one JSON per object, not per row.
  const basisNumbers = new Map<object, number>();
  const basisValues: string[] = [];
  const columns = ROW_COLUMNS.map(({ field, distinct }) => {
    switch (distinct) {
      case 'list':
        return literalOf(rows, (row) => lists.numberOf(row[field] as readonly string[]));
      case 'basis':
        return literalOf(rows, (row) => {
          const basis = row[field] as ChainedDecision['lawfulBasis'] | null | undefined;
          if (basis === null || basis === undefined) return null;
          let number = basisNumbers.get(basis);
          if (number !== undefined) return number;
          const json = JSON.stringify(basis);
          number = bases.get(json);
          if (number === undefined) {
            number = basisValues.push(json);
            bases.set(json, number);
          }
          basisNumbers.set(basis, number);
          return number;
        });
      default:
        return literalOf(rows, (row) => row[field] as string | number | null);
    }
  });
  return [...columns, literalOf(lists.values, (literal) => literal), literalOf(basisValues, (json) => json)];
}

/**
 * Distinct lists numbered from 1 (a Postgres array's first subscript) in order of first
 * use, each held as its array literal. A list is found by walking its strings through a
 * tree of maps, one level per item, so a list seen before costs lookups of strings that
 * exist already, not a key string per row.
 */
class ListNumbering {
  readonly values: string[] = [];
  private readonly root: ListNode = { next: new Map(), number: undefined };

  numberOf(items: readonly string[]): number {
    let node = this.root;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      let next = node.next.get(item);
      if (next === undefined) {
        next = { next: new Map(), number: undefined };
        node.next.set(item, next);
      }
      node = next;
    }
    node.number ??= this.values.push(literalOf(items, (item) => item));
    return node.number;
  }
}

interface ListNode {
  readonly next: Map<string, ListNode>;
  number: number | undefined;
}

/**
 * The audit log's writer (write-ahead: call it in the transaction that must be durable
 * before anything is released, then commit, then produce).
 *
 * Locks the heads of the chains the decisions go to (`heads`, when the caller locked them
 * already), draws their seqs, links each partition's rows onto its head, inserts them and
 * moves the heads, all in the caller's transaction; the locks are held until it ends, so
 * keep the work after this call short (commit, then produce to Kafka — not the other way
 * round). Writers of different partitions never wait for each other; two writers of one
 * partition take turns, and the second links onto what the first committed. A sealer's
 * cut between the draw and the append makes it draw again.
 */
export async function appendDecisions(
  manager: EntityManager,
  decisions: DecisionToAppend[],
  heads?: ReadonlyMap<string, ChainHead>,
): Promise<ChainedDecision[]> {
  if (decisions.length === 0) return [];
  let locked = heads;
  if (!locked) {
    const chains = chainsOf(decisions);
    await ensureChainHeads(manager, chains);
    locked = await lockChainHeads(manager, chains);
  }
  for (let attempt = 1; ; attempt++) {
    const chained = await appendDecisionsIfHeads(manager, decisions, locked, await drawSeqs(manager, decisions.length), NOTHING_TO_LOOK_UP, null);
    if (chained) return chained;
    if (attempt === MAX_CUT_RETRIES) throw new Error('the audit log was cut again and again while appending; giving up');
  }
}

const NOTHING_TO_LOOK_UP: RecordedLookup = { decisionIds: [], eventIds: [] };
/** Under its own locks an append fails only when a sealer cut after its seqs were drawn: that is rare, and twice in a row rarer. */
const MAX_CUT_RETRIES = 5;

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
 * locks (`lockChainHeads`), so that nothing it reports can change before the caller appends.
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
 * Appends `decisions` onto `expected` (each chain's head as the caller knows it) with
 * `seqs` (drawn by `drawSeqs`, one per decision), in one statement (APPEND_IF_HEADS), if
 * and only if those heads are current, the seqs are above the last cut, nothing of
 * `lookup` is recorded (as `readRecordedDecisions` would find it) and the consent head is
 * still `consentSeq`; otherwise it writes nothing and returns undefined. Outside a
 * transaction it is the broker's fast path: one round trip, committed by itself. Inside
 * one that holds the heads' locks (`lockChainHeads`) it fails only on the lookup, the
 * consent head or a cut.
 */
export async function appendDecisionsIfHeads(
  manager: EntityManager,
  decisions: readonly DecisionToAppend[],
  expected: ReadonlyMap<string, ChainHead>,
  seqs: readonly number[],
  lookup: RecordedLookup,
  consentSeq: number | null,
): Promise<ChainedDecision[] | undefined> {
  if (decisions.length === 0) return [];
  const chained = chainOnto(decisions, expected, seqs);
  if (!chained) return undefined;
  const [result] = await preparedQuery<{ appended: boolean }>(manager, 'accord-append-if-heads', APPEND_IF_HEADS, appendParameters(decisions, chained, expected, lookup, consentSeq));
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
  return [...links.values()].sort((a, b) => (a.nhsKey < b.nhsKey ? -1 : a.nhsKey > b.nhsKey ? 1 : a.niKey < b.niKey ? -1 : a.niKey > b.niKey ? 1 : 0));
}

/** Where each field is in a row read as DECISION_COLUMNS (its position in the list). */
const AT = Object.fromEntries(DECISION_COLUMNS.map(({ field }, index) => [field, index])) as Record<keyof ChainedDecision, number>;

/**
 * A decision row read back as one array of DECISION_COLUMNS' values in their order (the
 * audit store's `json_build_array`, `decided_at` as text), in the chain's canonical shape,
 * for verification and the auditor API.
 */
export function decisionFromValues(values: readonly unknown[]): ChainedDecision {
  const v = values as any[];
  // Every field named (a missing one does not compile), each from its column's position.
  const row: Record<keyof ChainedDecision, unknown> = {
    seq: Number(v[AT.seq]),
    decisionId: v[AT.decisionId],
    eventId: v[AT.eventId],
    eventType: v[AT.eventType],
    source: v[AT.source],
    recipient: v[AT.recipient],
    agreementId: v[AT.agreementId],
    agreementVersion: v[AT.agreementVersion],
    purpose: v[AT.purpose],
    lawfulBasis: v[AT.lawfulBasis],
    outcome: v[AT.outcome],
    reasons: v[AT.reasons],
    fieldsReleased: v[AT.fieldsReleased],
    fieldsWithheld: v[AT.fieldsWithheld],
    consentRefs: v[AT.consentRefs],
    subjectKey: v[AT.subjectKey],
    payloadDigest: v[AT.payloadDigest],
    topic: v[AT.topic],
    partition: v[AT.partition],
    offset: v[AT.offset],
    // As the reads write it: the writer's own text, or an edited time as it is stored (audit-store.ts, DECIDED_AT_SHOWN).
    decidedAt: v[AT.decidedAt],
    prevHash: v[AT.prevHash],
    hash: v[AT.hash],
  };
  return row as ChainedDecision;
}
