import { Query, type PoolClient, type QueryArrayConfig } from 'pg';
import type { EntityManager } from 'typeorm';
import { HASHED_FIELDS, canonicalJson, type ChainHead, type ChainedDecision, type Checkpoint, type RenderedRow, type SealedHead } from '@accord/audit-chain';
import { DECISION_COLUMNS, decisionFromValues, type DecisionColumn } from './decision-log';

/*
 * Reads and writes of the audit tables shared by the hub's auditor API, its checkpoint
 * and retention jobs, and the `audit:verify` command (which has no Nest). Every read that
 * can be large is keyset-paginated by seq, so callers stream in constant memory.
 */

type ValuesRow = { v: unknown[] };

/** A retention purge: rows up to `throughSeq` were deleted after a checkpoint sealed `hash` at that seq. */
export interface AuditPurge {
  throughSeq: number;
  hash: string;
  /** Only rows decided before this instant were purged. ISO 8601 with milliseconds. */
  decidedBefore: string;
  purgedAt: string;
  signature: string;
  keyId: string;
}

/**
 * The newest row any chain ends at (the highest seq among the partition chains' heads, or
 * the single chain's end when no partition chain is newer), and the first seq of a row
 * beyond it (a row no writer appended). A partition chain's own head is in
 * `readChainHeads`.
 */
export async function readChainHead(manager: EntityManager): Promise<{ head: ChainHead; firstSeqBeyondHead: number | null }> {
  const [row] = await manager.query(
    `WITH newest AS (
       SELECT seq, hash FROM audit_chain_heads UNION ALL SELECT boundary_seq, hash FROM audit_chain_root ORDER BY seq DESC LIMIT 1
     )
     SELECT n.seq, n.hash, (SELECT min(d.seq) FROM decisions d WHERE d.seq > n.seq) AS beyond FROM newest n`,
  );
  if (!row) throw new Error('the audit chain root row is missing: run the hub migrations');
  return { head: { seq: Number(row.seq), hash: row.hash }, firstSeqBeyondHead: row.beyond === null ? null : Number(row.beyond) };
}

/** A row of `findDecisionTexts` as a decision. */
export function decisionFromJson(text: string): ChainedDecision {
  return decisionFromValues(JSON.parse(text));
}

/**
 * `decided_at` as the writer writes it (`decidedAt`): milliseconds, or microseconds when
 * they are not zero (rows are written to the millisecond, so anything finer is an edit and
 * must show). NULL for a time the writer never writes: a year before 1 AD or an infinite
 * time (to_char would drop the era, writing 2026 BC as 2026). Needs the row as `d` and
 * MICROSECONDS as `t`, which writes the time once per row: its `OFFSET 0` keeps Postgres
 * from copying `to_char` into each place `t.us` is read (it wrote it twice a row, 3 % of
 * rendering a row for verification). RENDERED_ROWS looks its lawful basis up once the same way.
 */
const DECIDED_AT_TEXT = `CASE WHEN isfinite(d.decided_at) AND d.decided_at >= '0001-01-01T00:00:00Z'
    THEN CASE WHEN right(t.us, 3) = '000' THEN left(t.us, -3) ELSE t.us END || 'Z' END`;
const MICROSECONDS = `LATERAL (SELECT to_char(d.decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS us OFFSET 0) t`;

/**
 * `decided_at` as an auditor reads it: DECIDED_AT_TEXT, or, for a time the writer never
 * writes (only an edit stores one), the stored value written out whatever the session's
 * settings (`infinity`, `2026-04-01T09:30:00.123000Z BC`), which no reader of RFC 3339
 * takes for a time. Every read shows an edited time as it is stored, never as another
 * time (to_char alone would show 2026 BC as 2026, and an infinite time as NULL).
 */
const DECIDED_AT_SHOWN = `coalesce(${DECIDED_AT_TEXT}, CASE WHEN isfinite(d.decided_at)
    THEN to_char(d.decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z" BC') ELSE d.decided_at::text END)`;

/** DECIDED_AT_TEXT for a time column, which it is written for only one of (`shown`: DECIDED_AT_SHOWN). */
function decidedAtText(column: string, shown = false): string {
  if (column !== 'decided_at') throw new Error(`no text is written for the time column ${column}`);
  return shown ? DECIDED_AT_SHOWN : DECIDED_AT_TEXT;
}

/**
 * A decision row as one JSON array of DECISION_COLUMNS' values in their order (as
 * `decisionFromValues` reads it), from the row as `d` with MICROSECONDS (`rowSource`).
 * pg hands json to JSON.parse, which is native: reading a row this way costs a fraction
 * of 23 columns with four text[] and a jsonb parsed one by one in JavaScript, and exports
 * read millions. `decided_at` is read as DECIDED_AT_SHOWN, so that an edit below the
 * millisecond the hash covers, or to a time the writer never writes, still shows (and
 * fails the hash of the row read).
 */
const DECISION_VALUES = `(json_build_array(${DECISION_COLUMNS.map(({ column, type }) =>
  type === 'timestamptz' ? decidedAtText(column, true) : `d.${column}`,
).join(', ')}))`;

/** What DECISION_VALUES and the flat read select from: the rows of `rows` as `d`, with MICROSECONDS. */
function rowSource(rows: string): string {
  return `${rows} d, ${MICROSECONDS}`;
}

/**
 * How Postgres writes a column's value as canonical JSON (see `canonicalContent`), and
 * whether that can be NULL: a value it cannot write as the writer would have, which then
 * makes the whole content NULL. `to_json` escapes text exactly as JSON.stringify does
 * (quote, backslash, \b \f \n \r \t, other controls as lowercase \u00xx; nothing else) and
 * Postgres text holds no lone surrogate; a NULL is written `null`, never as an empty array
 * or string, so that every stored value is written differently. The lawful basis (jsonb,
 * whose text is not canonical) is canonicalised in JavaScript.
 */
function renderedColumn({ column, type }: DecisionColumn): { sql: string; nullable: boolean } {
  switch (type) {
    case 'text':
    case 'uuid':
      return { sql: `coalesce(to_json(d.${column})::text, 'null')`, nullable: false };
    case 'int':
    case 'bigint':
      return { sql: `coalesce(d.${column}::text, 'null')`, nullable: false };
    case 'text[]':
      return { sql: `coalesce(array_to_json(d.${column})::text, 'null')`, nullable: false };
    case 'timestamptz':
      return { sql: `'"' || ${decidedAtText(column)} || '"'`, nullable: true };
    case 'jsonb':
      throw new Error(`the jsonb column ${column} is canonicalised in JavaScript`);
  }
}

/**
 * The canonical content up to the lawful basis's value (`head`) and after it (`tail`), as
 * SQL text expressions, each hashed field from its column (DECISION_COLUMNS).
 */
function renderedContentSql(): { head: string; tail: string } {
  const columnOf = new Map(DECISION_COLUMNS.map((column) => [column.field, column]));
  const parts = { head: [] as SqlPiece[], tail: [] as SqlPiece[] };
  let side = parts.head;
  HASHED_FIELDS.forEach((field, i) => {
    side.push({ sql: `'${i === 0 ? '{' : ','}${JSON.stringify(field)}:'`, nullable: false });
    const column = columnOf.get(field);
    if (column === undefined) throw new Error(`no column holds the hashed field ${field}`);
    if (column.type === 'jsonb') side = parts.tail;
    else side.push(renderedColumn(column));
  });
  parts.tail.push({ sql: `'}'`, nullable: false });
  return { head: joinedSql(parts.head), tail: joinedSql(parts.tail) };
}

interface SqlPiece {
  sql: string;
  /** NULL when Postgres cannot write the value (then the whole must be NULL too). */
  nullable: boolean;
}

/**
 * SQL text expressions written one after another: each run of those that are never NULL
 * in one `concat` call, and the runs and the others joined by `||`, so that the whole is
 * still NULL when one of them is. A `||` copies all that is written so far: with one per
 * piece, Postgres took 11.3–12.3 s to write 1 M rows' content (`EXPLAIN ANALYZE`), against
 * 10.4–10.8 s with `concat`.
 */
function joinedSql(pieces: readonly SqlPiece[]): string {
  const joined: string[] = [];
  let run: string[] = [];
  const endRun = () => {
    if (run.length > 0) joined.push(run.length === 1 ? run[0]! : `concat(${run.join(', ')})`);
    run = [];
  };
  for (const piece of pieces) {
    if (piece.nullable) {
      endRun();
      joined.push(piece.sql);
    } else {
      run.push(piece.sql);
    }
  }
  endRun();
  return joined.join(' || ');
}

const RENDERED = renderedContentSql();
/**
 * The rows of `$1 < seq <= $2`, each with its canonical content written by Postgres, and
 * hashed by Postgres where it can be: for a row whose lawful basis text is in `$3` (NULL as
 * NULL_BASIS), the canonical basis at the same place in `$4` completes the content, and
 * `content_hash` is `hashContent(prev_hash, content)` by Postgres's own SHA-256 of the
 * content's UTF-8 bytes (the functions named in pg_catalog, so that nothing on the search
 * path stands in for them): only the hash travels. Any other row (every row, with `$3`
 * empty) comes with its content's pieces instead, the basis canonicalised in JavaScript.
 */
const NULL_BASIS = '';
const KNOWN_BASIS = `pg_catalog.array_position($3::text[], coalesce(d.lawful_basis::text, '${NULL_BASIS}'))`;
const RENDERED_ROWS = `SELECT d.seq, d.prev_hash, d.hash, b.i IS NOT NULL AS hashed,
    CASE WHEN b.i IS NOT NULL THEN pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
      d.prev_hash || E'\\n' || ${RENDERED.head} || ($4::text[])[b.i] || ${RENDERED.tail}, 'UTF8')), 'hex') END AS content_hash,
    CASE WHEN b.i IS NULL THEN ${RENDERED.head} END AS head, CASE WHEN b.i IS NULL THEN d.lawful_basis::text END AS basis,
    CASE WHEN b.i IS NULL THEN ${RENDERED.tail} END AS tail,
    d.topic, d.kafka_partition
  FROM ${rowSource('decisions')}, LATERAL (SELECT ${KNOWN_BASIS} AS i OFFSET 0) b
  WHERE d.seq > $1 AND d.seq <= $2 ORDER BY d.seq`;

/** How many lawful bases RENDERED_ROWS is given at most: each row looks its own up among them. */
const MAX_KNOWN_BASES = 32;

/**
 * The rows with `afterSeq < seq <= throughSeq`, in seq order, each with its canonical
 * content written by Postgres (see `renderedColumn`), for verification: hashing it
 * needs no parse of the row and no object per field. The content must equal
 * `canonicalContent` of the row as `decisionFromValues` reads it; where it would not (a
 * value the writer never stores), it differs, and the row fails its hash.
 *
 * With `hashInDatabase`, a row whose lawful basis has been met before (the log holds a
 * handful, one per agreement version) comes with `contentHash` instead: Postgres hashes
 * the content it wrote, and only the hash is read.
 *
 * Each row is handed to `onRow` as it arrives, and none is kept: holding a range's rows
 * until it is complete made most of them outlive a young-generation collection, and
 * copying them cost a third of verification. Should `onRow` throw, no row is handed on
 * after it and the call rejects with its error once the query is over.
 */
export async function streamRenderedRows(
  manager: EntityManager,
  afterSeq: number,
  throughSeq: number,
  onRow: (row: RenderedRow) => void,
  options: { hashInDatabase?: boolean } = {},
): Promise<void> {
  const known = options.hashInDatabase ? LAWFUL_BASES.firstKnown(MAX_KNOWN_BASES) : { texts: [], canonical: [] };
  const config: QueryArrayConfig = { text: RENDERED_ROWS, values: [afterSeq, throughSeq, known.texts, known.canonical], rowMode: 'array' };
  await streamArrayRows(manager, config, (values) => {
    const [seq, prevHash, hash, hashed, contentHash, head, basisText, tail, topic, partition] = values as [
      string,
      string,
      string,
      boolean,
      string | null,
      string | null,
      string | null,
      string | null,
      string | null,
      string | null,
    ];
    const row: RenderedRow = {
      seq: Number(seq),
      prevHash,
      hash,
      content: null,
      topic: topic ?? undefined,
      partition: partition === null ? undefined : Number(partition),
    };
    if (hashed) {
      row.contentHash = contentHash;
    } else {
      const basis = LAWFUL_BASES.canonical(basisText);
      row.content = head === null || tail === null || basis === undefined ? null : head + basis + tail;
    }
    onRow(row);
  });
}

/**
 * Runs `config` on a connection of `manager` and hands each row to `onRow` as pg parses
 * it, keeping none. Should `onRow` throw, no row is handed on after it and the call
 * rejects with its error once the query is over (a throw inside pg's row event would
 * surface on the connection, not here).
 */
async function streamArrayRows(manager: EntityManager, config: QueryArrayConfig, onRow: (values: unknown[]) => void): Promise<void> {
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const client: PoolClient = await runner.connect();
    await new Promise<void>((resolve, reject) => {
      const query = new Query(config);
      let failure: { error: unknown } | undefined;
      query.on('row', (values: unknown[]) => {
        if (failure) return;
        try {
          onRow(values);
        } catch (error) {
          failure = { error };
        }
      });
      query.on('end', () => (failure ? reject(failure.error) : resolve()));
      query.on('error', reject);
      client.query(query);
    });
  } finally {
    if (runner !== manager.queryRunner) await runner.release();
  }
}

/** `streamRenderedRows` collected in a list. */
export async function readRenderedRows(
  manager: EntityManager,
  afterSeq: number,
  throughSeq: number,
  options: { hashInDatabase?: boolean } = {},
): Promise<RenderedRow[]> {
  const rows: RenderedRow[] = [];
  await streamRenderedRows(manager, afterSeq, throughSeq, (row) => rows.push(row), options);
  return rows;
}

/**
 * Canonical JSON of lawful-basis jsonb texts: a log holds a handful, one per agreement
 * version. What it holds is a function of the text alone, so one is shared by every read.
 */
class LawfulBasisCache {
  private readonly known = new Map<string, string | undefined>();

  /** undefined when the text cannot be canonicalised (then no row holding it can match its hash). */
  canonical(text: string | null): string | undefined {
    if (text === null) return 'null';
    let canonical = this.known.get(text);
    if (canonical === undefined && !this.known.has(text)) {
      try {
        canonical = canonicalJson(JSON.parse(text));
      } catch {
        canonical = undefined;
      }
      if (this.known.size < 1_000) this.known.set(text, canonical);
    }
    return canonical;
  }

  /** Up to `limit` texts met with their canonical JSON (those that have one), NULL's first as NULL_BASIS. */
  firstKnown(limit: number): { texts: string[]; canonical: string[] } {
    const texts = [NULL_BASIS];
    const canonical = [this.canonical(null)!];
    for (const [text, json] of this.known) {
      if (texts.length >= limit) break;
      if (json !== undefined) {
        texts.push(text);
        canonical.push(json);
      }
    }
    return { texts, canonical };
  }
}

const LAWFUL_BASES = new LawfulBasisCache();

/** Up to `limit` rows with `afterSeq < seq <= throughSeq`, in seq order. */
export async function readDecisionsAfter(
  manager: EntityManager,
  afterSeq: number,
  throughSeq: number,
  limit: number,
): Promise<ChainedDecision[]> {
  const rows: ValuesRow[] = await manager.query(
    `SELECT ${DECISION_VALUES} AS v FROM ${rowSource('decisions')} WHERE d.seq > $1 AND d.seq <= $2 ORDER BY d.seq LIMIT $3`,
    [afterSeq, throughSeq, limit],
  );
  return rows.map((row) => decisionFromValues(row.v));
}

/**
 * The decision with this id; with `participant`, only if that participant is its source or
 * recipient. A decision outside the participant's scope reads as absent, exactly like an
 * unknown id, so its existence is not disclosed.
 */
export async function readDecision(
  manager: EntityManager,
  decisionId: string,
  participant: string | null = null,
): Promise<ChainedDecision | undefined> {
  const [row]: ValuesRow[] = await manager.query(
    `SELECT ${DECISION_VALUES} AS v FROM ${rowSource('decisions')}
      WHERE d.decision_id = $1 AND ($2::text IS NULL OR d.source = $2 OR d.recipient = $2)`,
    [decisionId, participant],
  );
  return row ? decisionFromValues(row.v) : undefined;
}

/** The row at `seq`, if it is there. */
export async function readDecisionAt(manager: EntityManager, seq: number): Promise<ChainedDecision | undefined> {
  const [row]: ValuesRow[] = await manager.query(`SELECT ${DECISION_VALUES} AS v FROM ${rowSource('decisions')} WHERE d.seq = $1`, [seq]);
  return row ? decisionFromValues(row.v) : undefined;
}

const CHECKPOINT_COLUMNS = 'c.seq, c.hash, c.signed_at, c.signature, c.key_id, c.root_seq, c.root_hash, c.heads';

function checkpointFromRow(row: Record<string, any>): Checkpoint {
  return {
    seq: Number(row.seq),
    hash: row.hash,
    signedAt: new Date(row.signed_at).toISOString(),
    signature: row.signature,
    keyId: row.key_id,
    ...(row.heads === null || row.heads === undefined
      ? {}
      : { root: { seq: Number(row.root_seq), hash: row.root_hash }, heads: (row.heads as SealedHead[]).map((head) => ({ ...head })) }),
  };
}

/** Up to `limit` checkpoints with `fromSeq <= seq <= throughSeq`, in seq order. */
export async function readCheckpointsFrom(
  manager: EntityManager,
  fromSeq: number,
  throughSeq: number,
  limit: number,
): Promise<Checkpoint[]> {
  const rows = await manager.query(
    `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints c WHERE c.seq >= $1 AND c.seq <= $2 ORDER BY c.seq LIMIT $3`,
    [fromSeq, throughSeq, limit],
  );
  return rows.map(checkpointFromRow);
}

/** The checkpoint with the highest seq at or below `seq` (or overall). */
export async function readLatestCheckpoint(manager: EntityManager, atOrBelowSeq?: number): Promise<Checkpoint | undefined> {
  const [row] = await manager.query(
    `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints c
      WHERE $1::bigint IS NULL OR c.seq <= $1 ORDER BY c.seq DESC LIMIT 1`,
    [atOrBelowSeq ?? null],
  );
  return row ? checkpointFromRow(row) : undefined;
}

/** Records a checkpoint; a second sealer of the same seq (another hub-api instance) is a no-op. */
export async function insertCheckpoint(manager: EntityManager, checkpoint: Checkpoint): Promise<boolean> {
  const inserted = await manager.query(
    `INSERT INTO audit_checkpoints (seq, hash, signed_at, signature, key_id, root_seq, root_hash, heads) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (seq) DO NOTHING RETURNING seq`,
    [
      checkpoint.seq,
      checkpoint.hash,
      checkpoint.signedAt,
      checkpoint.signature,
      checkpoint.keyId,
      checkpoint.root?.seq ?? null,
      checkpoint.root?.hash ?? null,
      checkpoint.heads ? JSON.stringify(checkpoint.heads) : null,
    ],
  );
  return inserted.length > 0;
}

/**
 * Where the audit log stands at a cut (docs/audit-chains.md): `cut`, a seq at or below
 * which no row can commit any more; the single chain's end (`root`); and each partition
 * chain's head, in seq order (chains with no row yet left out). Every row with a seq at
 * or below `cut` is in the heads' snapshot: a row of a chain above its head and at or
 * below `cut` was added outside the writer.
 *
 * Runs its own short transaction: it waits for the appends under way (which share-lock
 * `audit_cut`), moves the cut to the last seq drawn, so that any seq drawn before and not
 * yet appended can no longer be (those appends draw again), and reads the heads.
 */
export async function cutAuditLog(manager: EntityManager): Promise<AuditCut> {
  return manager.transaction(async (transaction) => {
    await transaction.query('SELECT seq FROM audit_cut WHERE id = 1 FOR UPDATE');
    const [[{ cut }]] = await transaction.query(
      `UPDATE audit_cut SET seq = greatest(seq, (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM decisions_seq))
        WHERE id = 1 RETURNING seq AS cut`,
    );
    const [root] = await transaction.query('SELECT boundary_seq, hash FROM audit_chain_root WHERE id = 1');
    if (!root) throw new Error('the audit chain root row is missing: run the hub migrations');
    const heads: Array<{ topic: string; kafka_partition: number; seq: string; hash: string }> = await transaction.query(
      'SELECT topic, kafka_partition, seq, hash FROM audit_chain_heads WHERE seq > $1 ORDER BY seq',
      [root.boundary_seq],
    );
    return {
      cut: Number(cut),
      root: { seq: Number(root.boundary_seq), hash: root.hash },
      heads: heads.map((head) => ({ seq: Number(head.seq), hash: head.hash, topic: head.topic, partition: head.kafka_partition })),
    };
  });
}

/**
 * The first row above `afterSeq` (a cut) that its partition chain's head does not reach,
 * read with the heads in one snapshot: an append moves its chain's head in the statement
 * that writes its rows, so every row it committed is reached. Null when there is none.
 */
export async function firstRowBeyondHeads(manager: EntityManager, afterSeq: number): Promise<number | null> {
  const [row] = await manager.query(
    `SELECT min(d.seq) AS seq FROM decisions d
      WHERE d.seq > $1 AND NOT EXISTS (
        SELECT 1 FROM audit_chain_heads h WHERE h.topic = d.topic AND h.kafka_partition = d.kafka_partition AND h.seq >= d.seq)`,
    [afterSeq],
  );
  return row.seq === null ? null : Number(row.seq);
}

/**
 * The last row of each partition chain among the rows with `afterSeq < seq <= throughSeq`,
 * as stored (nothing is verified): where verification of the rows after `throughSeq` can
 * start from, before the rows up to it are verified. Rows without a topic or partition
 * are left out.
 */
export async function readLastRowsOfChains(manager: EntityManager, afterSeq: number, throughSeq: number): Promise<SealedHead[]> {
  const rows: Array<{ seq: string; hash: string; topic: string; kafka_partition: number }> = await manager.query(
    // Grouped (hashed) rather than DISTINCT ON (sorted): 18 against 53–64 ms for 20,000 rows of the bench's dataset.
    `SELECT seq, hash, topic, kafka_partition FROM decisions WHERE seq IN (
       SELECT max(seq) FROM decisions WHERE seq > $1 AND seq <= $2 AND topic IS NOT NULL AND kafka_partition IS NOT NULL
        GROUP BY topic, kafka_partition)`,
    [afterSeq, throughSeq],
  );
  return rows.map((row) => ({ seq: Number(row.seq), hash: row.hash, topic: row.topic, partition: row.kafka_partition }));
}

/** See `cutAuditLog`. */
export interface AuditCut {
  cut: number;
  root: ChainHead;
  heads: SealedHead[];
}

/** The purge with the highest seq: the retained chain starts right after it. */
export async function readLatestPurge(manager: EntityManager): Promise<AuditPurge | undefined> {
  const [row] = await manager.query(
    'SELECT through_seq, hash, decided_before, purged_at, signature, key_id FROM audit_purges ORDER BY through_seq DESC LIMIT 1',
  );
  if (!row) return undefined;
  return {
    throughSeq: Number(row.through_seq),
    hash: row.hash,
    decidedBefore: new Date(row.decided_before).toISOString(),
    purgedAt: new Date(row.purged_at).toISOString(),
    signature: row.signature,
    keyId: row.key_id,
  };
}

export async function insertPurge(manager: EntityManager, purge: AuditPurge): Promise<void> {
  await manager.query(
    `INSERT INTO audit_purges (through_seq, hash, decided_before, purged_at, signature, key_id) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (through_seq) DO NOTHING`,
    [purge.throughSeq, purge.hash, purge.decidedBefore, purge.purgedAt, purge.signature, purge.keyId],
  );
}

/**
 * The highest seq P such that every row up to P was decided before `instant` (rows are
 * chained in commit order, and decidedAt comes from the writers' clocks, so the purgeable
 * part is the prefix before the first row that is still young enough to keep).
 */
export async function lastSeqDecidedBefore(manager: EntityManager, instant: Date, headSeq: number): Promise<number> {
  const [row] = await manager.query('SELECT min(seq) AS keep FROM decisions WHERE decided_at >= $1 AND seq <= $2', [instant, headSeq]);
  return row.keep === null ? headSeq : Number(row.keep) - 1;
}

/**
 * Deletes up to `batch` rows with seq <= `throughSeq` in one transaction, through the
 * append-only guard's one exception. Returns how many went; call until it returns 0.
 */
export async function deletePurgedDecisions(manager: EntityManager, throughSeq: number, batch: number): Promise<number> {
  return manager.transaction(async (transaction) => {
    await transaction.query(`SELECT set_config('accord.audit_retention', 'purge', true)`);
    // TypeORM answers a DELETE with [rows, rowCount].
    const [, deleted] = await transaction.query(
      'DELETE FROM decisions WHERE seq IN (SELECT seq FROM decisions WHERE seq <= $1 ORDER BY seq LIMIT $2)',
      [throughSeq, batch],
    );
    return Number(deleted);
  });
}

/** Keyed hashes linked to any of `keys` (an NHS number key and an NI number key seen on the same record). */
export async function linkedSubjectKeys(manager: EntityManager, keys: readonly string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const rows: Array<{ key: string }> = await manager.query(
    `SELECT ni_key AS key FROM subject_key_links WHERE nhs_key = ANY($1::text[])
     UNION SELECT nhs_key AS key FROM subject_key_links WHERE ni_key = ANY($1::text[])`,
    [keys],
  );
  return rows.map((row) => row.key);
}

/** The auditor's filters, already resolved: identifiers as keyed hashes, times as instants. All combine with AND. */
export interface DecisionFilter {
  /**
   * Rows where this participant is the source or the recipient: the scope of a token bound
   * to it (docs/contract.md, "HTTP API"). Applied in SQL with the other filters, so keyset
   * pages, exports and summaries see only these rows.
   */
  participant?: string;
  /** Rows whose subjectKey is any of these. An empty array matches nothing. */
  subjectKeys?: readonly string[];
  recipient?: string;
  source?: string;
  agreementId?: string;
  eventType?: string;
  outcome?: string;
  /** Rows that give this reason (among others). */
  reason?: string;
  /** decidedAt >= from */
  from?: Date;
  /** decidedAt < to */
  to?: Date;
}

function whereOf(filter: DecisionFilter): { conditions: string[]; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (placeholder: string) => string, value: unknown) => {
    params.push(value);
    conditions.push(sql(`$${params.length}`));
  };
  // For summaries, which read every match (a subject's few rows, by decisions_subject_seq);
  // keyset pages scope themselves with participantPage.
  if (filter.participant !== undefined) add((p) => `(source = ${p} OR recipient = ${p})`, filter.participant);
  if (filter.subjectKeys !== undefined) add((p) => `subject_key = ANY(${p}::text[])`, filter.subjectKeys);
  if (filter.recipient !== undefined) add((p) => `recipient = ${p}`, filter.recipient);
  if (filter.source !== undefined) add((p) => `source = ${p}`, filter.source);
  if (filter.agreementId !== undefined) add((p) => `agreement_id = ${p}`, filter.agreementId);
  if (filter.eventType !== undefined) add((p) => `event_type = ${p}`, filter.eventType);
  if (filter.outcome !== undefined) add((p) => `outcome = ${p}`, filter.outcome);
  if (filter.reason !== undefined) add((p) => `reasons @> ARRAY[${p}::text]`, filter.reason);
  if (filter.from !== undefined) add((p) => `decided_at >= ${p}`, filter.from);
  if (filter.to !== undefined) add((p) => `decided_at < ${p}`, filter.to);
  return { conditions, params };
}

/** Up to `limit` matching rows with seq > `afterSeq`, in seq order: one keyset page. */
export async function findDecisions(
  manager: EntityManager,
  filter: DecisionFilter,
  afterSeq: number,
  limit: number,
): Promise<ChainedDecision[]> {
  const page = await findDecisionTexts(manager, filter, afterSeq, limit);
  return page.map((row) => decisionFromJson(row.text));
}

/**
 * As `findDecisions`, each row as its seq and the JSON text of its values (`decisionFromJson`
 * turns one into a decision): for exports, which read a page ahead of the rows being written
 * and should hold only one row at a time as objects.
 */
export async function findDecisionTexts(
  manager: EntityManager,
  filter: DecisionFilter,
  afterSeq: number,
  limit: number,
): Promise<Array<{ seq: number; text: string }>> {
  const { page, params } = keysetPage(filter, afterSeq, limit);
  const rows: Array<{ seq: string; v: string }> = await manager.query(
    // The page is chosen first and only its rows are turned into JSON (a sort below the
    // LIMIT would otherwise build it for every matching row).
    `SELECT d.seq, ${DECISION_VALUES}::text AS v FROM ${rowSource(`(${page})`)} ORDER BY d.seq`,
    params,
  );
  return rows.map((row) => ({ seq: Number(row.seq), text: row.v }));
}

/**
 * How a flat read (`streamFlatDecisions`) writes a column: text as it is, integers as
 * numbers, the lawful basis as the jsonb's text, arrays as their elements joined by the
 * separator given (parameter `$sep`; a NULL element as empty text, as
 * Array.prototype.join writes it), `decidedAt` as DECIDED_AT_SHOWN.
 */
function flatColumn({ column, type }: DecisionColumn): string {
  switch (type) {
    case 'text[]':
      return `array_to_string(d.${column}, $sep, '')`;
    case 'jsonb':
      return `d.${column}::text`;
    case 'timestamptz':
      return decidedAtText(column, true);
    default:
      return `d.${column}`;
  }
}

const FLAT_FIELDS = Object.fromEntries(DECISION_COLUMNS.map((column) => [column.field, flatColumn(column)])) as Record<keyof ChainedDecision, string>;

const INTEGER_TYPES = new Set([20, 21, 23]); // int8, int2, int4
/** Integers as numbers, everything else as the text Postgres sent (flat reads select text for the rest). */
const FLAT_TYPES = {
  getTypeParser: (oid: number) => (INTEGER_TYPES.has(oid) ? Number : (text: string) => text),
} as unknown as QueryArrayConfig['types'];

/**
 * As `findDecisionTexts`, each row as an array of the `fields` asked for, in that order,
 * written flat by Postgres (FLAT_FIELDS), handed to `onRow` as it arrives and not kept:
 * for a CSV export, which writes a cell per field. Nothing is built as JSON on either
 * side (of an export's CPU per row, Postgres building and Node parsing JSON was a third),
 * and no page of row arrays outlives a young-generation collection (bench/RESULTS.md,
 * fourteenth run). Resolves with how many rows there were and the last one's seq.
 */
export async function streamFlatDecisions(
  manager: EntityManager,
  filter: DecisionFilter,
  afterSeq: number,
  limit: number,
  fields: readonly (keyof ChainedDecision)[],
  arraySeparator: string,
  onRow: (values: Array<string | number | null>) => void,
): Promise<{ count: number; lastSeq: number | undefined }> {
  const { page, params } = keysetPage(filter, afterSeq, limit);
  let columns = fields.map((field) => FLAT_FIELDS[field]).join(', ');
  // The separator is a parameter only when an array is among the fields: Postgres refuses a parameter no statement uses.
  if (columns.includes('$sep')) {
    params.push(arraySeparator);
    columns = columns.replaceAll('$sep', `$${params.length}`);
  }
  let count = 0;
  let lastSeq: number | undefined;
  // The seq is read where the fields have it, or after them.
  const seqAt = fields.indexOf('seq');
  const text = `SELECT ${columns}${seqAt < 0 ? ', d.seq' : ''} FROM ${rowSource(`(${page})`)} ORDER BY d.seq`;
  await streamArrayRows(manager, { text, values: params, rowMode: 'array', types: FLAT_TYPES }, (values) => {
    count++;
    lastSeq = (seqAt < 0 ? values.pop() : values[seqAt]) as number;
    onRow(values as Array<string | number | null>);
  });
  return { count, lastSeq };
}

/** One keyset page of `filter`'s matches after `afterSeq` as SQL (a subquery of whole rows), with its parameters. */
function keysetPage(filter: DecisionFilter, afterSeq: number, limit: number): { page: string; params: unknown[] } {
  const { participant, ...rest } = filter;
  const { conditions, params } = whereOf(rest);
  params.push(afterSeq, limit);
  const after = `$${params.length - 1}`;
  const take = `$${params.length}`;
  if (participant === undefined) {
    return { page: `SELECT * FROM decisions WHERE ${[...conditions, `seq > ${after}`].join(' AND ')} ORDER BY seq LIMIT ${take}`, params };
  }
  params.push(participant);
  return { page: participantPage(`$${params.length}`, conditions, after, take), params };
}

/**
 * One keyset page of the rows where `participant` is the source or the recipient (and
 * `conditions` hold), as SQL: the first `take` rows after seq `after` of the rows it sent,
 * merged with the first `take` of the rows it received from anyone else.
 *
 * Each half reads at most the participant's rows after the cursor: in seq order from
 * decisions_source_seq or decisions_recipient_seq, or from a narrower index when another
 * filter is more selective (a subject's keys). `(source, seq) > (P, after) AND source <= P`
 * is P's rows after the cursor written as a range, and ordering by `(source, seq)` asks for
 * an order only that index gives, so the primary key is never walked. Written `source = P …
 * ORDER BY seq`, Postgres may walk it, filtering, when P is in many rows — through every
 * row before P's first, if P's decisions come late in the log (a participant that joined
 * recently; measured: 800,000 rows read for the first page in a log of 1,000,000).
 */
function participantPage(participant: string, conditions: readonly string[], after: string, take: string): string {
  const half = (column: string, extra: string[]) =>
    `SELECT * FROM decisions
      WHERE (${column}, seq) > (${participant}, ${after}) AND ${column} <= ${participant}
        ${[...extra, ...conditions].map((condition) => `AND ${condition}`).join(' ')}
      ORDER BY ${column}, seq LIMIT ${take}`;
  return `(${half('source', [])})
    UNION ALL (${half('recipient', [`source IS DISTINCT FROM ${participant}`])})
    ORDER BY seq LIMIT ${take}`;
}

/**
 * Counts by outcome, the first and last decision time (each as DECIDED_AT_SHOWN, so that a
 * time only an edit stores reads as stored), and who received anything, over every
 * matching row.
 */
export async function summariseDecisions(
  manager: EntityManager,
  filter: DecisionFilter,
): Promise<{ byOutcome: Record<string, number>; first: string | null; last: string | null; receivedBy: string[] }> {
  const { conditions, params } = whereOf(filter);
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const shown = (time: string) => `(SELECT ${DECIDED_AT_SHOWN} FROM ${rowSource(`(SELECT ${time} AS decided_at FROM g)`)})`;
  const [span]: Array<{ counts: Record<string, number> | null; first: string | null; last: string | null }> = await manager.query(
    `WITH g AS (SELECT outcome, count(*)::int AS count, min(decided_at) AS first, max(decided_at) AS last FROM decisions ${where} GROUP BY outcome)
     SELECT (SELECT json_object_agg(outcome, count) FROM g) AS counts, ${shown('min(first)')} AS first, ${shown('max(last)')} AS last`,
    params,
  );
  const recipients: Array<{ recipient: string }> = await manager.query(
    `SELECT DISTINCT recipient FROM decisions ${where ? `${where} AND` : 'WHERE'} outcome = 'shared' AND recipient IS NOT NULL ORDER BY recipient`,
    params,
  );
  return {
    byOutcome: { shared: 0, withheld: 0, rejected: 0, ...span!.counts },
    first: span!.first,
    last: span!.last,
    receivedBy: recipients.map((row) => row.recipient),
  };
}
