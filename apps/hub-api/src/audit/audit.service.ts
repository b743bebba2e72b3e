import { PassThrough, Readable } from 'node:stream';
import { setImmediate } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { ChainedDecision } from '@accord/audit-chain';
import { EVENT_TYPES } from '@accord/contracts';
import { subjectKeys } from '@accord/governance';
import { decisionFromJson, findDecisions, findDecisionTexts, linkedSubjectKeys, readDecision, streamFlatDecisions, summariseDecisions, type DecisionFilter } from '@accord/persistence';
import { BaseEnvironment, InvalidRequest } from '@accord/platform';
import { AUDIT_KEYS } from './audit.tokens';
import type { AuditKeys } from './audit-keys';
import type { AuditScope } from './audit-scope';
import { DecisionNotFound } from './audit.errors';
import { verifyAuditLog, type AuditVerificationReport } from './audit-verification';
import type { DecisionFilterQuery, DecisionPageQuery, SubjectReportQuery } from './dto/decision-query.dto';
import type { DecisionPage, DecisionView, PublicKeyView, SubjectReport, SubjectReportEntry } from './dto/decision.view';
import { CSV_ARRAY_SEPARATOR, CSV_COLUMNS, CSV_HEADER, FlatCsvWriter } from './csv';
import { dateInWords, explainDecision, lawfulBasisInWords, explainReason, scopeInWords, type AgreementVersionSummary } from './plain-english';

export type ExportFormat = 'csv' | 'ndjson';

const DEFAULT_PAGE = 100;
const DEFAULT_REPORT_PAGE = 1000;
/** Rows per query while streaming an export: under a megabyte of text in flight at a time. */
const EXPORT_CHUNK = 1000;
const DAY_MS = 86_400_000;
const VERIFY_PROGRESS_INTERVAL_MS = 1000;

/**
 * The auditor's reads of the sharing log. Every read of decisions takes the caller's
 * AuditScope and hands it to the store with the other filters, so the database returns
 * only rows in scope: keyset pages, exports and summaries are computed over exactly those
 * rows, never filtered afterwards (which would break page sizes and cursors).
 */
@Injectable()
export class AuditService {
  private readonly secret: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(AUDIT_KEYS) private readonly keys: AuditKeys,
    environment: BaseEnvironment,
  ) {
    this.secret = environment.ACCORD_SUBJECT_KEY_SECRET;
  }

  /** One keyset page of matching decisions in the caller's scope, oldest first. */
  async page(query: DecisionPageQuery, scope: AuditScope): Promise<DecisionPage> {
    const filter = await this.filterFrom(query, scope);
    const limit = query.limit ?? DEFAULT_PAGE;
    const rows = await findDecisions(this.dataSource.manager, filter, decodeCursor(query.cursor), limit + 1);
    const items = rows.slice(0, limit);
    return { items: items.map(toView), nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1].seq) : null };
  }

  /**
   * Every matching decision (after `cursor`, if given) as CSV or NDJSON, in constant
   * memory: keyset pages of EXPORT_CHUNK rows are read only as fast as the client takes
   * them (a Readable pulls the next page only when the socket has drained), and reading
   * stops when the client goes away. The first page is read before anything is sent, so
   * a failure to start is an ordinary error response.
   */
  async export(query: DecisionPageQuery, format: ExportFormat, scope: AuditScope): Promise<Readable> {
    const filter = await this.filterFrom(query, scope);
    const read = exportPages(this.dataSource.manager, filter, format);
    const first = await read(decodeCursor(query.cursor));
    const pageAfter = (page: ExportPage): Promise<ExportPage> =>
      page.count < EXPORT_CHUNK || page.lastSeq === undefined ? Promise.resolve(NO_PAGE) : read(page.lastSeq);
    async function* chunks(): AsyncGenerator<string> {
      if (format === 'csv') yield CSV_HEADER;
      let page = first;
      while (page.count > 0) {
        // One page read ahead: Postgres finds the next rows while these are rendered and sent
        // (reading two ahead gained nothing measurable: bench/RESULTS.md, fourteenth run).
        const next = pageAfter(page);
        next.catch(() => undefined); // if the client leaves first, nobody awaits it
        // Rendering a page holds the event loop for milliseconds: let the query reach
        // Postgres first (taking a pool connection and writing to its socket take turns of
        // the loop), or the read-ahead only starts once the page is rendered and sent.
        await setImmediate();
        yield page.render();
        page = await next;
      }
    }
    return Readable.from(chunks(), { objectMode: false, highWaterMark: 64 * 1024 });
  }

  /** Out of scope and unknown are one answer, so a scoped auditor cannot probe which ids exist. */
  async one(decisionId: string, scope: AuditScope): Promise<DecisionView> {
    const row = await readDecision(this.dataSource.manager, decisionId, scope.participant);
    if (!row) throw new DecisionNotFound();
    return toView(row);
  }

  /**
   * Who received what about one person, when, under which agreement and why — in words.
   * Limited to the caller's scope, and then says so (`scope`, and the last sentence of the
   * summary text).
   */
  async subjectReport(query: SubjectReportQuery, scope: AuditScope): Promise<SubjectReport> {
    if (!query.nhsNumber && !query.niNumber) {
      throw new InvalidRequest([
        { path: 'nhsNumber', problem: 'give nhsNumber or niNumber (or both, for the same person)' },
        { path: 'niNumber', problem: 'give nhsNumber or niNumber (or both, for the same person)' },
      ]);
    }
    const own = subjectKeys({ nhsNumber: query.nhsNumber, niNumber: query.niNumber }, this.secret);
    const filter = await this.filterFrom(query, scope);
    const limit = query.limit ?? DEFAULT_REPORT_PAGE;
    const manager = this.dataSource.manager;
    const [rows, summary] = await Promise.all([
      findDecisions(manager, filter, decodeCursor(query.cursor), limit + 1),
      summariseDecisions(manager, filter),
    ]);
    const items = rows.slice(0, limit);
    const [agreements, participants] = await Promise.all([
      this.agreementVersionsOf(items),
      this.participantNames(items, scope.participant === null ? summary.receivedBy : [...summary.receivedBy, scope.participant]),
    ]);
    const context = {
      participantName: (id: string) => participants.get(id),
      eventTypeDescription: (type: string) => EVENT_TYPES.get(type)?.description,
    };
    const entries = items.map((row): SubjectReportEntry => {
      const agreement = row.agreementId ? agreements.get(`${row.agreementId}@${row.agreementVersion}`) : undefined;
      return {
        decisionId: row.decisionId,
        seq: row.seq,
        decidedAt: row.decidedAt,
        outcome: row.outcome,
        eventId: row.eventId,
        eventType: row.eventType,
        source: row.source ? { id: row.source, name: participants.get(row.source) ?? null } : null,
        recipient: row.recipient ? { id: row.recipient, name: participants.get(row.recipient) ?? null } : null,
        agreement:
          row.agreementId === null || row.agreementVersion === null
            ? null
            : {
                id: row.agreementId,
                version: row.agreementVersion,
                title: agreement?.title ?? null,
                purposeCode: row.purpose,
                purposeDescription: agreement?.purposeDescription ?? null,
                lawfulBasis: row.lawfulBasis,
                lawfulBasisInWords: lawfulBasisInWords(row.lawfulBasis),
                versionFound: agreement !== undefined,
              },
        fieldsReleased: row.fieldsReleased,
        fieldsWithheld: row.fieldsWithheld,
        reasons: row.reasons.map((code) => ({ code, explanation: explainReason(code) ?? code })),
        matchedBy: row.subjectKey === own.nhsNumber ? 'nhsNumber' : row.subjectKey === own.niNumber ? 'niNumber' : 'linked-identifier',
        explanation: explainDecision(row, { ...context, agreement }),
      };
    });
    const { shared, withheld, rejected } = summary.byOutcome;
    const total = shared + withheld + rejected;
    const names = summary.receivedBy.map((id) => participants.get(id) ?? id);
    const found =
      total === 0
        ? scope.participant === null
          ? 'The audit log holds no sharing decision about this person.'
          : `The audit log holds no sharing decision about this person where ${scope.participant} is the source or the recipient.`
        : `Between ${dateInWords(summary.first!)} and ${dateInWords(summary.last!)}, ${total} sharing decision${total === 1 ? '' : 's'} ` +
          `concerned this person: ${shared} shared, ${withheld} withheld, ${rejected} rejected. ` +
          (names.length > 0 ? `Records about them were received by: ${names.join('; ')}.` : 'No record about them was received by anyone.');
    const text = scope.participant === null ? found : `${found} ${scopeInWords(scope.participant, participants.get(scope.participant))}`;
    return {
      searchedBy: [...(query.nhsNumber ? ['nhsNumber'] : []), ...(query.niNumber ? ['niNumber'] : [])],
      scope: { participant: scope.participant },
      generatedAt: new Date().toISOString(),
      summary: {
        decisions: total,
        shared,
        withheld,
        rejected,
        receivedBy: summary.receivedBy,
        firstDecidedAt: summary.first,
        lastDecidedAt: summary.last,
        text,
      },
      items: entries,
      nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1].seq) : null,
    };
  }

  verify(signal?: AbortSignal): Promise<AuditVerificationReport> {
    return verifyAuditLog(this.dataSource.manager, { publicKeys: this.keys.verificationKeys, signal });
  }

  /**
   * The verification as NDJSON: `{"progress":{"checked","total"}}` lines (at the start, then
   * at most one a second) while it runs, and last `{"report":{…}}`, the `verify()` answer.
   * A stream without its report line was cut short and verified nothing. Verification
   * stops when `signal` aborts (the client left) or the stream is closed early.
   */
  verifyWithProgress(signal?: AbortSignal): Readable {
    const out = new PassThrough();
    const stop = new AbortController();
    out.on('close', () => stop.abort());
    signal?.addEventListener('abort', () => stop.abort(), { once: true });
    let lastSent = -Infinity;
    const onProgress = (checked: number, total: number) => {
      const now = performance.now();
      if (now - lastSent < VERIFY_PROGRESS_INTERVAL_MS) return;
      lastSent = now;
      out.write(JSON.stringify({ progress: { checked, total } }) + '\n');
    };
    verifyAuditLog(this.dataSource.manager, { publicKeys: this.keys.verificationKeys, onProgress, signal: stop.signal }).then(
      (report) => out.end(JSON.stringify({ report }) + '\n'),
      (error: unknown) => out.destroy(stop.signal.aborted ? undefined : (error as Error)),
    );
    return out;
  }

  publicKey(): PublicKeyView {
    return {
      algorithm: 'Ed25519',
      keyId: this.keys.keyId,
      publicKeyPem: this.keys.publicKeyPem,
      development: this.keys.development,
      trustedKeys: this.keys.trustedKeys,
    };
  }

  /**
   * Identifiers become keyed hashes exactly as the broker computes subjectKey, plus the
   * keys linked to them (the same person's other identifier, seen together on a record).
   */
  private async filterFrom(query: DecisionFilterQuery, scope: AuditScope): Promise<DecisionFilter> {
    const filter: DecisionFilter = {
      // From the token, never from the query: the caller cannot widen it.
      participant: scope.participant ?? undefined,
      recipient: query.recipient,
      source: query.source,
      agreementId: query.agreementId,
      eventType: query.eventType,
      outcome: query.outcome,
      reason: query.reason,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? endOf(query.to) : undefined,
    };
    if (query.nhsNumber || query.niNumber) {
      const own = Object.values(subjectKeys({ nhsNumber: query.nhsNumber, niNumber: query.niNumber }, this.secret));
      const linked = await linkedSubjectKeys(this.dataSource.manager, own);
      filter.subjectKeys = [...new Set([...own, ...linked])];
    }
    for (const key of Object.keys(filter) as (keyof DecisionFilter)[]) if (filter[key] === undefined) delete filter[key];
    return filter;
  }

  private async agreementVersionsOf(rows: readonly ChainedDecision[]): Promise<Map<string, AgreementVersionSummary>> {
    const pairs = new Map<string, [string, number]>();
    for (const row of rows) {
      if (row.agreementId !== null && row.agreementVersion !== null) {
        pairs.set(`${row.agreementId}@${row.agreementVersion}`, [row.agreementId, row.agreementVersion]);
      }
    }
    if (pairs.size === 0) return new Map();
    const found: Array<{ agreement_id: string; version: number; title: string | null; purpose_description: string | null }> =
      await this.dataSource.query(
        `SELECT agreement_id, version, document->>'title' AS title, document->'purpose'->>'description' AS purpose_description
           FROM agreement_versions
          WHERE (agreement_id, version) IN (SELECT * FROM unnest($1::text[], $2::int[]))`,
        [[...pairs.values()].map(([id]) => id), [...pairs.values()].map(([, version]) => version)],
      );
    return new Map(
      found.map((row) => [`${row.agreement_id}@${row.version}`, { title: row.title, purposeDescription: row.purpose_description }]),
    );
  }

  private async participantNames(rows: readonly ChainedDecision[], more: readonly string[]): Promise<Map<string, string>> {
    const ids = new Set<string>(more);
    for (const row of rows) {
      if (row.source) ids.add(row.source);
      if (row.recipient) ids.add(row.recipient);
    }
    if (ids.size === 0) return new Map();
    const found: Array<{ id: string; display_name: string }> = await this.dataSource.query(
      'SELECT id, display_name FROM participants WHERE id = ANY($1::text[])',
      [[...ids]],
    );
    return new Map(found.map((row) => [row.id, row.display_name]));
  }
}

/** A date alone means up to the end of that day (UTC); a date-time is the exclusive end itself. */
function endOf(to: string): Date {
  const instant = new Date(to);
  return /^\d{4}-\d{2}-\d{2}$/.test(to) ? new Date(instant.getTime() + DAY_MS) : instant;
}

/** The cursor is opaque to clients: base64url of the last seq they saw, versioned. */
export function encodeCursor(seq: number): string {
  return Buffer.from(JSON.stringify({ v: 1, after: seq }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: unknown; after?: unknown };
    if (decoded.v === 1 && Number.isSafeInteger(decoded.after) && (decoded.after as number) >= 0) return decoded.after as number;
  } catch {
    // fall through to the one error below
  }
  throw new InvalidRequest([{ path: 'cursor', problem: 'must be a nextCursor returned by this API' }]);
}

/** The record in the field order of docs/contract.md, "Decision records and the audit chain". */
function toView(row: ChainedDecision): DecisionView {
  return {
    decisionId: row.decisionId,
    eventId: row.eventId,
    eventType: row.eventType,
    source: row.source,
    recipient: row.recipient,
    agreementId: row.agreementId,
    agreementVersion: row.agreementVersion,
    purpose: row.purpose,
    lawfulBasis: row.lawfulBasis,
    outcome: row.outcome,
    reasons: row.reasons,
    fieldsReleased: row.fieldsReleased,
    fieldsWithheld: row.fieldsWithheld,
    consentRefs: row.consentRefs,
    subjectKey: row.subjectKey,
    payloadDigest: row.payloadDigest,
    topic: row.topic,
    partition: row.partition,
    offset: row.offset,
    decidedAt: row.decidedAt,
    seq: row.seq,
    prevHash: row.prevHash,
    hash: row.hash,
  };
}

/** A page of an export as read: how many rows, the seq to read on from, and its text once rendered. */
interface ExportPage {
  count: number;
  lastSeq: number | undefined;
  render(): string;
}

const NO_PAGE: ExportPage = { count: 0, lastSeq: undefined, render: () => '' };

/**
 * Reads an export's pages in its format. CSV reads each row flat, a cell per field as
 * Postgres writes it (`streamFlatDecisions`); NDJSON reads the row's values as JSON and
 * writes the decision record as the JSON API does.
 */
function exportPages(manager: EntityManager, filter: DecisionFilter, format: ExportFormat): (afterSeq: number) => Promise<ExportPage> {
  if (format === 'csv') {
    const writer = new FlatCsvWriter();
    return async (afterSeq) => {
      // Each row is written as it arrives; the page is its text.
      let text = '';
      const { count, lastSeq } = await streamFlatDecisions(manager, filter, afterSeq, EXPORT_CHUNK, CSV_COLUMNS, CSV_ARRAY_SEPARATOR, (row) => {
        text += writer.line(row);
      });
      return { count, lastSeq, render: () => text };
    };
  }
  return async (afterSeq) => {
    const page = await findDecisionTexts(manager, filter, afterSeq, EXPORT_CHUNK);
    return {
      count: page.length,
      lastSeq: page[page.length - 1]?.seq,
      render() {
        let text = '';
        for (const row of page) text += JSON.stringify(toView(decisionFromJson(row.text))) + '\n';
        return text;
      },
    };
  };
}
