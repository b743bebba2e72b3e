import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { generateDevelopmentKeyPair, hashRecord, type ChainedDecision, type UnchainedDecision } from '@accord/audit-chain';
import { subjectKey, subjectKeys } from '@accord/governance';
import { appendDecisions, readDecisionsAfter } from '@accord/persistence';
import { createTestDatabase, exampleDecision, parseCsvLine, startTestApp, type RunningApp, type TestDatabase } from '@accord/testing';
import { AppModule } from '../src/app.module';
import { AuditSealer } from '../src/audit/audit-sealer.service';
import { CSV_COLUMNS, csvCell } from '../src/audit/csv';
import { verifyAuditLog, type AuditVerificationReport } from '../src/audit/audit-verification';
import { runAuditVerify } from '../src/cli/audit-verify';
import { HubApiEnvironment } from '../src/environment';

const ADMIN_TOKEN = 'test-admin-token-audit-0123456789';
const SECRET = 'audit-test-subject-key-secret-0123456789';
const KEYS = generateDevelopmentKeyPair();

const ASC = 'southampton.adult-social-care';
const RB = 'southampton.revenues-benefits';
const PH = 'hampshire.public-health';

// Person A has an NHS number; B has both (and a record carrying only B's NI number);
// C and D have NHS numbers. None of these numbers is ever stored.
const A = { nhsNumber: '9434765919' };
const B = { nhsNumber: '9434765927', niNumber: 'AB123456C' };
const B_NI_ONLY = { niNumber: 'AB123456C' };
const C = { nhsNumber: '9434765935' };
const D = { nhsNumber: '9434765943' };

const CARE_HOME = {
  agreementId: 'scc-asc-care-home-to-rb',
  agreementVersion: 3,
  purpose: 'council-tax-and-hb-review',
  lawfulBasis: { article6: 'public-task', article9: null, legislation: ['Local Government Finance Act 1992'] },
};
const HEALTH = {
  agreementId: 'scc-asc-to-public-health',
  agreementVersion: 1,
  purpose: 'health-improvement',
  lawfulBasis: { article6: 'public-task', article9: 'public-health', legislation: [] },
};

function decision(subject: Record<string, string> | null, day: number, overrides: Partial<UnchainedDecision>): UnchainedDecision & {
  subjectKeys: ReturnType<typeof subjectKeys>;
} {
  return {
    ...exampleDecision({
      ...CARE_HOME,
      subjectKey: subjectKey(subject, SECRET),
      offset: String(100 + day),
      decidedAt: `2026-04-${String(day).padStart(2, '0')}T09:30:00.000Z`,
      ...overrides,
    }),
    subjectKeys: subjectKeys(subject, SECRET),
  };
}

const SEED = [
  /* 1 */ decision(A, 1, {}),
  /* 2 */ decision(A, 2, { recipient: PH, ...HEALTH, outcome: 'withheld', reasons: ['objection'], fieldsReleased: [], payloadDigest: null }),
  /* 3 */ decision(C, 3, {}),
  /* 4 */ decision(B, 4, {}),
  /* 5 */ decision(B_NI_ONLY, 5, { outcome: 'withheld', reasons: ['national-opt-out'], fieldsReleased: [], payloadDigest: null }),
  /* 6 */ decision(null, 6, {
    eventType: 'asc.service.started.v1',
    recipient: null,
    agreementId: null,
    agreementVersion: null,
    purpose: null,
    lawfulBasis: null,
    outcome: 'rejected',
    reasons: ['invalid-identifier'],
    fieldsReleased: [],
    fieldsWithheld: [],
    payloadDigest: null,
  }),
  /* 7 */ decision(C, 7, { recipient: PH, ...HEALTH, outcome: 'withheld', reasons: ['condition-not-met'], fieldsReleased: [], payloadDigest: null }),
  /* 8 */ decision(A, 8, { eventType: 'asc.safeguarding.concern-raised.v1', reasons: ['safeguarding-override', 'objection'] }),
  /* 9–28 */ ...Array.from({ length: 20 }, (_, index) => decision(D, 9 + (index % 20), { offset: String(1000 + index) })),
];

describe('the auditor API over the tamper-evident sharing log', () => {
  let database: TestDatabase;
  let hub: RunningApp;
  let dataSource: DataSource;
  let auditor: string;
  let seeded: ChainedDecision[];

  const get = (path: string, token = auditor, accept?: string) => hub.request('GET', path, { token, accept });
  const idsOf = (items: Array<{ decisionId: string }>) => items.map((item) => item.decisionId).sort();
  const seededIds = (...seqs: number[]) => seqs.map((seq) => seeded[seq - 1].decisionId).sort();

  /** Tampers as a database owner would (triggers off), verifies in the same transaction, then rolls back. */
  async function verifyTampered(...statements: Array<string | [string, unknown[]]>): Promise<AuditVerificationReport> {
    return verifyTamperedWith({}, ...statements);
  }

  async function verifyTamperedWith(
    options: { chunkSize?: number },
    ...statements: Array<string | [string, unknown[]]>
  ): Promise<AuditVerificationReport> {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query('SET LOCAL session_replication_role = replica');
      for (const statement of statements) {
        if (typeof statement === 'string') await runner.query(statement);
        else await runner.query(statement[0], statement[1]);
      }
      return await verifyAuditLog(runner.manager, { publicKeys: [KEYS.publicKey], ...options });
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  }

  async function owner(sql: string, params: unknown[] = []): Promise<void> {
    await dataSource.transaction(async (manager) => {
      await manager.query('SET LOCAL session_replication_role = replica');
      await manager.query(sql, params);
    });
  }

  beforeAll(async () => {
    database = await createTestDatabase('hub_audit');
    hub = await startTestApp({
      service: 'hub-api',
      environmentClass: HubApiEnvironment,
      environment: {
        DATABASE_URL: database.url,
        ACCORD_ADMIN_TOKEN: ADMIN_TOKEN,
        ACCORD_SUBJECT_KEY_SECRET: SECRET,
        AUDIT_SIGNING_KEY: KEYS.privateKeyPem,
        AUDIT_CHECKPOINT_INTERVAL_SECONDS: '0',
      },
      module: (environment) => AppModule.forRoot(environment),
    });
    dataSource = hub.app.get(DataSource);
    await dataSource.query(
      `INSERT INTO participants (id, organisation, system, display_name) VALUES
         ($1, 'southampton', 'adult-social-care', 'Southampton City Council adult social care'),
         ($2, 'southampton', 'revenues-benefits', 'Southampton City Council revenues and benefits'),
         ($3, 'hampshire', 'public-health', 'Hampshire County Council public health')`,
      [ASC, RB, PH],
    );
    await dataSource.query(
      `INSERT INTO agreement_versions (agreement_id, version, status, provider, document, document_digest, change)
       VALUES ($1, 3, 'active', $2, $3, 'digest', 'applied')`,
      [
        CARE_HOME.agreementId,
        ASC,
        JSON.stringify({
          title: 'Permanent care home placements to revenues and benefits',
          purpose: { code: CARE_HOME.purpose, description: 'Review council tax exemption and housing benefit on entering care' },
        }),
      ],
    );
    // Several batches, as the broker writes them.
    seeded = [];
    for (let start = 0; start < SEED.length; start += 5) {
      seeded.push(...(await dataSource.transaction((manager) => appendDecisions(manager, SEED.slice(start, start + 5)))));
    }
    const issued = await hub.request('POST', '/v1/tokens', { token: ADMIN_TOKEN, body: { roles: ['auditor'] } });
    auditor = issued.body.token;
  });
  afterAll(async () => {
    await hub?.close();
    await database?.drop();
  });

  describe('access', () => {
    it('needs a token and the auditor role (or admin)', async () => {
      expect((await get('/v1/audit/decisions', '')).status).toBe(401);
      const ops = await hub.request('POST', '/v1/tokens', { token: ADMIN_TOKEN, body: { roles: ['ops'] } });
      for (const path of ['/v1/audit/decisions', '/v1/audit/verify', '/v1/audit/subject-report?nhsNumber=9434765919', '/v1/audit/public-key']) {
        expect((await get(path, ops.body.token)).status).toBe(403);
      }
      expect((await get('/v1/audit/decisions', ADMIN_TOKEN)).status).toBe(200);
      expect((await hub.request('POST', '/v1/audit/checkpoints', { token: auditor })).status).toBe(403);
    });
  });

  describe('searching', () => {
    it('finds a person by NHS number although the number is not stored, and never echoes it', async () => {
      const response = await get(`/v1/audit/decisions?nhsNumber=${A.nhsNumber}`);
      expect(response.status).toBe(200);
      expect(idsOf(response.body.items)).toEqual(seededIds(1, 2, 8));
      expect(response.text).not.toContain(A.nhsNumber);
      const spaced = await get(`/v1/audit/decisions?nhsNumber=${encodeURIComponent('943 476 5919')}`);
      expect(idsOf(spaced.body.items)).toEqual(seededIds(1, 2, 8));

      const [stored] = await dataSource.query(`SELECT count(*)::int AS n FROM decisions WHERE row_to_json(decisions)::text LIKE '%' || $1 || '%'`, [
        A.nhsNumber,
      ]);
      expect(stored.n).toBe(0);
    });

    it('finds by either identifier the rows keyed by the other one', async () => {
      const byNi = await get(`/v1/audit/decisions?niNumber=${B.niNumber}`);
      expect(idsOf(byNi.body.items)).toEqual(seededIds(4, 5));
      const byNhs = await get(`/v1/audit/decisions?nhsNumber=${B.nhsNumber}`);
      expect(idsOf(byNhs.body.items)).toEqual(seededIds(4, 5));
      const lowerCase = await get(`/v1/audit/decisions?niNumber=ab123456c`);
      expect(idsOf(lowerCase.body.items)).toEqual(seededIds(4, 5));
    });

    it('combines the filters', async () => {
      const cases: Array<[string, number[]]> = [
        [`recipient=${PH}`, [2, 7]],
        [`source=${ASC}&outcome=rejected`, [6]],
        ['outcome=withheld', [2, 5, 7]],
        ['reason=objection', [2, 8]],
        ['reason=objection&outcome=shared', [8]],
        ['eventType=asc.safeguarding.concern-raised.v1', [8]],
        [`agreementId=${HEALTH.agreementId}`, [2, 7]],
        ['from=2026-04-02&to=2026-04-04', [2, 3, 4]],
        ['from=2026-04-02T00:00:00Z&to=2026-04-04T00:00:00Z', [2, 3]],
        [`nhsNumber=${C.nhsNumber}&outcome=shared`, [3]],
        [`nhsNumber=${A.nhsNumber}&recipient=nobody.at-all`, []],
      ];
      for (const [query, seqs] of cases) {
        const response = await get(`/v1/audit/decisions?${query}`);
        expect({ query, ids: idsOf(response.body.items) }).toEqual({ query, ids: seededIds(...seqs) });
      }
      // Every reason a decision row can give is a filter, the broker's `unprocessable` too.
      expect((await get('/v1/audit/decisions?reason=unprocessable')).status).toBe(200);
    });

    it('pages with an opaque cursor, in seq order, without gaps or repeats', async () => {
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const response: { status: number; body: { items: Array<{ seq: number }>; nextCursor: string | null } } = await get(
          `/v1/audit/decisions?limit=6${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(response.status).toBe(200);
        expect(response.body.items.length).toBeLessThanOrEqual(6);
        seen.push(...response.body.items.map((item) => item.seq));
        cursor = response.body.nextCursor;
        pages++;
      } while (cursor);
      expect(seen).toEqual(seeded.map((row) => row.seq));
      expect(pages).toBe(Math.ceil(seeded.length / 6));

      const first = await get('/v1/audit/decisions?limit=1');
      expect(first.body.items[0]).toEqual(JSON.parse(JSON.stringify(seeded[0])));
    });

    it('rejects a bad query with 400, naming every problem and never the identifier', async () => {
      const response = await get(
        '/v1/audit/decisions?nhsNumber=1234567890&niNumber=XX&outcome=maybe&reason=because&limit=5000&from=yesterday&to=2026-13-01&recipient=Bad&wizard=1',
      );
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('invalid-request');
      const paths = response.body.problems.map((problem: { path: string }) => problem.path);
      expect(new Set(paths)).toEqual(new Set(['nhsNumber', 'niNumber', 'outcome', 'reason', 'limit', 'from', 'to', 'recipient', 'wizard']));
      expect(response.text).not.toContain('1234567890');

      const backwards = await get('/v1/audit/decisions?from=2026-04-05&to=2026-04-01');
      expect(backwards.body.problems).toEqual([{ path: 'to', problem: 'must not be before from' }]);
      const cursor = await get(`/v1/audit/decisions?cursor=${Buffer.from('{"after":"x"}').toString('base64url')}`);
      expect(cursor.status).toBe(400);
      expect(cursor.body.problems).toEqual([{ path: 'cursor', problem: 'must be a nextCursor returned by this API' }]);
    });

    it('answers one decision by id, 404 for an unknown one, 400 for a malformed one', async () => {
      const one = await get(`/v1/audit/decisions/${seeded[3].decisionId}`);
      expect(one.status).toBe(200);
      expect(one.body).toEqual(JSON.parse(JSON.stringify(seeded[3])));
      expect((await get(`/v1/audit/decisions/${randomUUID()}`)).body.code).toBe('decision-not-found');
      expect((await get('/v1/audit/decisions/not-a-uuid')).status).toBe(400);
    });

    it('streams every match as CSV or NDJSON', async () => {
      const csv = await get(`/v1/audit/decisions?recipient=${RB}&limit=1`, auditor, 'text/csv');
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      const lines = csv.text.trimEnd().split('\r\n');
      expect(lines[0]).toBe(
        'decisionId,eventId,eventType,source,recipient,agreementId,agreementVersion,purpose,lawfulBasis,outcome,reasons,' +
          'fieldsReleased,fieldsWithheld,consentRefs,subjectKey,payloadDigest,topic,partition,offset,decidedAt,seq,prevHash,hash',
      );
      const expected = seeded.filter((row) => row.recipient === RB);
      expect(lines.length - 1).toBe(expected.length);
      expect(lines[1]).toContain(`"{""article6"":""public-task""`);
      expect(lines[1]).toContain(',subject.localId;serviceType;startDate,');

      const ndjson = await get('/v1/audit/decisions?outcome=withheld', auditor, 'application/x-ndjson');
      expect(ndjson.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
      const records = ndjson.text.trimEnd().split('\n').map((line) => JSON.parse(line));
      expect(records.map((record) => record.seq)).toEqual([2, 5, 7]);
    });
  });

  describe('the CSV export', () => {
    it('writes each decision as the JSON API does, cell for cell, awkward values included', async () => {
      // A row edited (and put back after) to hold what a partner's text or an edit could: separators,
      // quotes, a formula, a NULL array element, an empty array, a time below the millisecond.
      const k = 5;
      const before = seeded[k - 1];
      await owner(
        `UPDATE decisions SET event_id = $1, fields_released = ARRAY['x;y', NULL, 'q"r', ''], reasons = '{}',
           consent_refs = ARRAY['a,b'], decided_at = decided_at + interval '1 microsecond' WHERE seq = $2`,
        ['=cmd|" /C calc"!A0, "x"', k],
      );
      try {
        const json = await get('/v1/audit/decisions?limit=1000');
        const csv = await get('/v1/audit/decisions', auditor, 'text/csv');
        const lines = csv.text.slice(0, -2).split('\r\n').slice(1);
        expect(lines).toHaveLength(json.body.items.length);
        json.body.items.forEach((item: Record<string, unknown>, index: number) => {
          const expected = CSV_COLUMNS.map((column) => csvCell(item[column]));
          expect({ seq: item.seq, cells: parseCsvLine(lines[index]) }).toEqual({ seq: item.seq, cells: expected.map((cell) => parseCsvLine(cell)[0]) });
        });
        const edited = parseCsvLine(lines[k - 1]);
        const cell = (column: (typeof CSV_COLUMNS)[number]) => edited[CSV_COLUMNS.indexOf(column)];
        expect(cell('eventId')).toBe(`'=cmd|" /C calc"!A0, "x"`);
        expect(cell('fieldsReleased')).toBe('x;y;;q"r;');
        expect(cell('consentRefs')).toBe('a,b');
        expect(cell('reasons')).toBe('');
        expect(cell('decidedAt')).toBe(before.decidedAt.replace('Z', '001Z'));
        expect(cell('lawfulBasis')).toBe(JSON.stringify(before.lawfulBasis));
      } finally {
        await owner(
          'UPDATE decisions SET event_id = $1, fields_released = $2, reasons = $3, consent_refs = $4, decided_at = $5 WHERE seq = $6',
          [before.eventId, before.fieldsReleased, before.reasons, before.consentRefs, before.decidedAt, k],
        );
      }
      expect((await get('/v1/audit/verify')).body.ok).toBe(true);
    });
  });

  describe('the subject access report', () => {
    it('lists exactly that person’s decisions, explained in words, and nobody else’s', async () => {
      const response = await get(`/v1/audit/subject-report?nhsNumber=${A.nhsNumber}`);
      expect(response.status).toBe(200);
      expect(idsOf(response.body.items)).toEqual(seededIds(1, 2, 8));
      expect(response.text).not.toContain(A.nhsNumber);
      expect(response.body.searchedBy).toEqual(['nhsNumber']);
      expect(response.body.summary).toMatchObject({ decisions: 3, shared: 2, withheld: 1, rejected: 0, receivedBy: [RB] });
      expect(response.body.summary.text).toContain('Southampton City Council revenues and benefits');

      const [shared, withheld, safeguarding] = response.body.items;
      expect(shared.agreement).toMatchObject({
        id: CARE_HOME.agreementId,
        version: 3,
        title: 'Permanent care home placements to revenues and benefits',
        purposeDescription: 'Review council tax exemption and housing benefit on entering care',
        versionFound: true,
      });
      expect(shared.explanation).toMatch(/^On 1 April 2026 at 09:30 UTC, a record of type asc\.service\.started\.v1 \(.+\) from Southampton City Council adult social care/);
      expect(shared.explanation).toContain('was shared with Southampton City Council revenues and benefits (southampton.revenues-benefits)');
      expect(shared.explanation).toContain('“Permanent care home placements to revenues and benefits” (scc-asc-care-home-to-rb, version 3)');
      expect(shared.explanation).toContain('“Review council tax exemption and housing benefit on entering care”');
      expect(shared.explanation).toContain('UK GDPR Article 6(1)(e)');
      expect(shared.explanation).toContain('Local Government Finance Act 1992');
      expect(shared.explanation).toContain('Fields released: subject.localId, serviceType and startDate');
      expect(shared.matchedBy).toBe('nhsNumber');

      expect(withheld.outcome).toBe('withheld');
      expect(withheld.agreement.versionFound).toBe(false);
      expect(withheld.reasons).toEqual([{ code: 'objection', explanation: expect.stringContaining('objected') }]);
      expect(withheld.explanation).toContain('withheld: nothing was sent');
      expect(withheld.explanation).toContain('Article 9(2)(i): public health');

      expect(safeguarding.reasons.map((reason: { code: string }) => reason.code)).toEqual(['safeguarding-override', 'objection']);
      expect(safeguarding.explanation).toContain('safeguarding');
    });

    it('reports by NI number too, saying which rows were found through the linked NHS number', async () => {
      const response = await get(`/v1/audit/subject-report?niNumber=${B.niNumber}`);
      expect(idsOf(response.body.items)).toEqual(seededIds(4, 5));
      const matched = Object.fromEntries(response.body.items.map((item: { seq: number; matchedBy: string }) => [item.seq, item.matchedBy]));
      expect(matched).toEqual({ 4: 'linked-identifier', 5: 'niNumber' });
      expect(response.text).not.toContain(B.niNumber);
      expect(response.text).not.toContain(B.nhsNumber);
    });

    it('needs an identifier and reports an empty history honestly', async () => {
      const none = await get('/v1/audit/subject-report');
      expect(none.status).toBe(400);
      expect(none.body.problems.map((problem: { path: string }) => problem.path)).toEqual(['nhsNumber', 'niNumber']);
      const nobody = await get('/v1/audit/subject-report?nhsNumber=9434765951');
      expect(nobody.body).toMatchObject({ items: [], nextCursor: null, summary: { decisions: 0 } });
    });
  });

  describe('verification', () => {
    let checkpointSeq: number;

    it('documents the audit routes in the OpenAPI document', async () => {
      const document = await hub.request('GET', '/docs/openapi.json');
      expect(document.status).toBe(200);
      expect(Object.keys(document.body.paths)).toEqual(
        expect.arrayContaining([
          '/v1/audit/decisions',
          '/v1/audit/decisions/{decisionId}',
          '/v1/audit/subject-report',
          '/v1/audit/verify',
          '/v1/audit/public-key',
          '/v1/audit/checkpoints',
        ]),
      );
      expect(Object.keys(document.body.paths['/v1/audit/decisions'].get.responses['200'].content)).toEqual(
        expect.arrayContaining(['application/json', 'text/csv', 'application/x-ndjson']),
      );
    });

    it('publishes the public key that checks the checkpoints', async () => {
      const response = await get('/v1/audit/public-key');
      expect(response.body).toMatchObject({ algorithm: 'Ed25519', keyId: KEYS.keyId, publicKeyPem: KEYS.publicKeyPem, development: false });
    });

    it('verifies the untouched log, before and after sealing a checkpoint', async () => {
      const before = await get('/v1/audit/verify');
      expect(before.body).toMatchObject({ ok: true, checked: seeded.length, fromSeq: 1, throughSeq: seeded.length, checkpointsChecked: 0 });

      const sealed = await hub.request('POST', '/v1/audit/checkpoints', { token: ADMIN_TOKEN });
      expect(sealed.status).toBe(200);
      expect(sealed.body.checkpoint).toMatchObject({ seq: seeded.length, hash: seeded[seeded.length - 1].hash, keyId: KEYS.keyId });
      checkpointSeq = sealed.body.checkpoint.seq;

      const after = await get('/v1/audit/verify');
      expect(after.body).toMatchObject({ ok: true, checked: seeded.length, checkpointsChecked: 1, lastCheckpoint: { seq: checkpointSeq } });
    });

    it('detects an edit to any column of a sealed row and names that row', async () => {
      const k = 4;
      const edits: Record<string, string> = {
        decision_id: 'gen_random_uuid()',
        event_id: `coalesce(event_id, '') || 'x'`,
        event_type: `coalesce(event_type, '') || 'x'`,
        source: `coalesce(source, '') || 'x'`,
        recipient: `'${PH}'`,
        agreement_id: `coalesce(agreement_id, '') || 'x'`,
        agreement_version: 'coalesce(agreement_version, 0) + 1',
        purpose: `coalesce(purpose, '') || 'x'`,
        lawful_basis: `jsonb_set(lawful_basis, '{article6}', '"consent"')`,
        outcome: `'withheld'`,
        reasons: `ARRAY['condition-not-met']`,
        fields_released: `array_append(fields_released, 'subject.nhsNumber')`,
        fields_withheld: `ARRAY[]::text[]`,
        consent_refs: `array_append(consent_refs, 'x')`,
        subject_key: `'${'0'.repeat(64)}'`,
        payload_digest: `'${'e'.repeat(64)}'`,
        topic: `topic || 'x'`,
        kafka_partition: 'kafka_partition + 1',
        kafka_offset: `kafka_offset || '0'`,
        decided_at: `decided_at + interval '1 second'`,
        prev_hash: `'${'1'.repeat(64)}'`,
        hash: `'${'2'.repeat(64)}'`,
      };
      for (const [column, value] of Object.entries(edits)) {
        const report = await verifyTampered(`UPDATE decisions SET ${column} = ${value} WHERE seq = ${k}`);
        expect({ column, ok: report.ok, firstBrokenSeq: report.firstBrokenSeq }).toEqual({ column, ok: false, firstBrokenSeq: k });
      }
      // Below the millisecond the hash covers, too.
      const micro = await verifyTampered(`UPDATE decisions SET decided_at = decided_at + interval '1 microsecond' WHERE seq = ${k}`);
      expect(micro).toMatchObject({ ok: false, firstBrokenSeq: k });
      // Renumbering a row takes it out of its place in its partition chain: named by the chain's next row, whose link breaks.
      const renumbered = await verifyTampered(`UPDATE decisions SET seq = 1000 WHERE seq = ${k}`);
      expect(renumbered).toMatchObject({ ok: false, firstBrokenSeq: k + 1 });
      expect(renumbered.problem).toContain(`previous row of its partition chain (seq ${k - 1})`);
    });

    it('reports a committed edit through GET /v1/audit/verify, without row content, and verifies again once undone', async () => {
      await owner(`UPDATE decisions SET outcome = 'withheld' WHERE seq = 3`);
      try {
        const response = await get('/v1/audit/verify');
        expect(response.body).toMatchObject({ ok: false, checked: 2, firstBrokenSeq: 3 });
        expect(response.body.problem).toMatch(/seq 3/);
        expect(response.text).not.toContain(seeded[2].subjectKey!);
      } finally {
        await owner(`UPDATE decisions SET outcome = 'shared' WHERE seq = 3`);
      }
      expect((await get('/v1/audit/verify')).body.ok).toBe(true);
    });

    it('streams progress and then the report as NDJSON when asked, and says the same as the JSON answer', async () => {
      const json = await get('/v1/audit/verify');
      const streamed = await get('/v1/audit/verify', auditor, 'application/x-ndjson');
      expect(streamed.status).toBe(200);
      expect(streamed.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
      const lines = streamed.text.trimEnd().split('\n').map((line) => JSON.parse(line));
      expect(lines[0]).toEqual({ progress: { checked: 0, total: seeded.length } });
      const { verifiedAt: _json, ...answer } = json.body;
      const { verifiedAt: _streamed, ...report } = lines.at(-1).report;
      expect(report).toEqual(answer);
      expect(answer).toMatchObject({ ok: true, checked: seeded.length });
      for (const line of lines.slice(1, -1)) expect(line.progress.checked).toBeLessThanOrEqual(seeded.length);

      await owner(`UPDATE decisions SET outcome = 'withheld' WHERE seq = 3`);
      try {
        const broken = await get('/v1/audit/verify', auditor, 'application/x-ndjson');
        expect(broken.text.trimEnd().split('\n').map((line) => JSON.parse(line)).at(-1).report).toMatchObject({ ok: false, firstBrokenSeq: 3 });
      } finally {
        await owner(`UPDATE decisions SET outcome = 'shared' WHERE seq = 3`);
      }
    });

    it('stops verifying between ranges once the caller no longer wants the answer', async () => {
      const stop = new AbortController();
      const reads: number[] = [];
      const verification = verifyAuditLog(dataSource.manager, {
        publicKeys: [KEYS.publicKey],
        chunkSize: 3,
        signal: stop.signal,
        onProgress: (checked) => {
          reads.push(checked);
          if (checked >= 6) stop.abort(new Error('the client left'));
        },
      });
      await expect(verification).rejects.toThrow('the client left');
      expect(Math.max(...reads)).toBeLessThan(seeded.length);
    });

    it('detects a deleted row', async () => {
      const report = await verifyTampered('DELETE FROM decisions WHERE seq = 10');
      expect(report).toMatchObject({ ok: false, firstBrokenSeq: 11, checked: 9 });
      // Seqs may skip (an append that failed), so the chain's broken link is the evidence, not the gap.
      expect(report.problem).toContain('previous row of its partition chain (seq 9): a row was inserted, replaced or removed');
    });

    it('reads the chain in ranges read ahead, and a range boundary changes nothing it finds', async () => {
      // Ranges of 3 seqs: 1–3, 4–6, 7–9, 10–12, … read two ahead, on several pool connections here.
      const intact = await verifyAuditLog(dataSource.manager, { publicKeys: [KEYS.publicKey], chunkSize: 3 });
      expect(intact).toMatchObject({ ok: true, checked: seeded.length });
      for (const seq of [9, 10, 11]) {
        const deleted = await verifyTamperedWith({ chunkSize: 3 }, `DELETE FROM decisions WHERE seq = ${seq}`);
        expect(deleted).toMatchObject({ ok: false, firstBrokenSeq: seq + 1, checked: seq - 1 });
        const edited = await verifyTamperedWith({ chunkSize: 3 }, `UPDATE decisions SET purpose = 'other' WHERE seq = ${seq}`);
        expect(edited).toMatchObject({ ok: false, firstBrokenSeq: seq, checked: seq - 1 });
      }
      const range = await verifyTamperedWith({ chunkSize: 3 }, 'DELETE FROM decisions WHERE seq BETWEEN 4 AND 6');
      expect(range).toMatchObject({ ok: false, firstBrokenSeq: 7, checked: 3 });
    });

    it('detects an inserted row, even one with a valid hash, and names it', async () => {
      const k = 7;
      const shift: Array<string | [string, unknown[]]> = [
        `UPDATE decisions SET seq = -seq WHERE seq >= ${k}`,
        `UPDATE decisions SET seq = -seq + 1 WHERE seq < 0`,
        `UPDATE audit_chain_heads SET seq = seq + 1`,
      ];
      const forged = { ...seeded[k - 1], decisionId: randomUUID(), seq: k, prevHash: seeded[k - 2].hash };
      const validHash = hashRecord(forged);
      const insert = (hash: string): [string, unknown[]] => [
        `INSERT INTO decisions SELECT $1, $2::uuid, event_id, event_type, source, recipient, agreement_id, agreement_version, purpose,
           lawful_basis, outcome, reasons, fields_released, fields_withheld, consent_refs, subject_key, payload_digest, topic,
           kafka_partition, kafka_offset, decided_at, $3, $4 FROM decisions WHERE seq = $5`,
        [k, forged.decisionId, forged.prevHash, hash, k + 1],
      ];
      const careful = await verifyTampered(...shift, insert(validHash));
      expect(careful).toMatchObject({ ok: false, firstBrokenSeq: k, checked: k - 1 });
      expect(careful.problem).toContain(`seq ${k} is an inserted row`);
      const careless = await verifyTampered(...shift, insert('3'.repeat(64)));
      expect(careless).toMatchObject({ ok: false, firstBrokenSeq: k });
    });

    it('detects two swapped rows and names the first', async () => {
      const report = await verifyTampered(
        'UPDATE decisions SET seq = -seq WHERE seq IN (5, 9)',
        'UPDATE decisions SET seq = CASE WHEN seq = -5 THEN 9 ELSE 5 END WHERE seq < 0',
      );
      expect(report).toMatchObject({ ok: false, firstBrokenSeq: 5 });
    });

    it('catches a rewrite that recomputed every hash after the edit: the signed checkpoint no longer matches', async () => {
      const rows = await readDecisionsAfter(dataSource.manager, 0, seeded.length, 1000);
      const statements: Array<[string, unknown[]]> = [];
      let previous = rows[14].hash;
      for (const row of rows.slice(15)) {
        const edited = { ...row, prevHash: previous, ...(row.seq === 16 ? { outcome: 'withheld' as const } : {}) };
        edited.hash = hashRecord(edited);
        statements.push(['UPDATE decisions SET outcome = $1, prev_hash = $2, hash = $3 WHERE seq = $4', [edited.outcome, edited.prevHash, edited.hash, row.seq]]);
        previous = edited.hash;
      }
      statements.push(['UPDATE audit_chain_heads SET hash = $1', [previous]]);
      const report = await verifyTampered(...statements);
      expect(report).toMatchObject({ ok: false, firstBrokenSeq: checkpointSeq });
      expect(report.problem).toContain('checkpoint');
    });

    it('catches rows cut from the end, a forged checkpoint, a row added beyond the head and an edited head', async () => {
      const last = seeded.length;
      const cut = await verifyTampered(`DELETE FROM decisions WHERE seq > ${last - 2}`, [
        'UPDATE audit_chain_heads SET seq = $1, hash = $2',
        [last - 2, seeded[last - 3].hash],
      ]);
      // The checkpoint's cut names the chain's head at the last seq, which the rows no longer reach.
      expect(cut).toMatchObject({ ok: false, firstBrokenSeq: last });
      expect(cut.problem).toContain('checkpoint');

      const cutKeepingHead = await verifyTampered(`DELETE FROM decisions WHERE seq > ${last - 2}`);
      expect(cutKeepingHead).toMatchObject({ ok: false });

      const badSignature = await verifyTampered(`UPDATE audit_checkpoints SET signed_at = signed_at + interval '1 second'`);
      expect(badSignature).toMatchObject({ ok: false, firstBrokenSeq: checkpointSeq });
      expect(badSignature.problem).toContain('invalid signature');

      const beyond = await verifyTampered([
        `INSERT INTO decisions SELECT $1, gen_random_uuid(), event_id, event_type, source, recipient, agreement_id, agreement_version,
           purpose, lawful_basis, outcome, reasons, fields_released, fields_withheld, consent_refs, subject_key, payload_digest, topic,
           kafka_partition, kafka_offset, decided_at, prev_hash, hash FROM decisions WHERE seq = 1`,
        [last + 1],
      ]);
      expect(beyond).toMatchObject({ ok: false, firstBrokenSeq: last + 1 });

      const head = await verifyTampered(`UPDATE audit_chain_heads SET hash = '${'4'.repeat(64)}'`);
      expect(head).toMatchObject({ ok: false, firstBrokenSeq: last });
    });

    it('runs as npm run audit:verify: straight from DATABASE_URL, exit 0 when intact and 1 when not', async () => {
      const run = async (env: Record<string, string>) => {
        let out = '';
        let err = '';
        const code = await runAuditVerify(['--json'], env, {
          stdout: { write: (text: string) => (out += text) },
          stderr: { write: (text: string) => (err += text), isTTY: false },
        });
        return { code, out, err };
      };
      const environment = { DATABASE_URL: database.url, AUDIT_SIGNING_KEY: KEYS.privateKeyPem };
      const intact = await run(environment);
      expect(intact.code).toBe(0);
      expect(JSON.parse(intact.out)).toMatchObject({ ok: true, checked: seeded.length, checkpointsChecked: 1 });
      expect(intact.err).toContain('verifying: 100%');

      const otherKey = await run({ DATABASE_URL: database.url, AUDIT_TRUSTED_PUBLIC_KEYS: generateDevelopmentKeyPair().publicKeyPem.replace(/\n/g, '\\n') });
      expect(otherKey.code).toBe(1);
      expect(JSON.parse(otherKey.out).problem).toContain('invalid signature');

      await owner(`UPDATE decisions SET reasons = ARRAY['permitted', 'objection'] WHERE seq = 12`);
      try {
        const broken = await run(environment);
        expect(broken.code).toBe(1);
        expect(JSON.parse(broken.out)).toMatchObject({ ok: false, firstBrokenSeq: 12 });
      } finally {
        await owner(`UPDATE decisions SET reasons = ARRAY['permitted'] WHERE seq = 12`);
      }
      expect((await run({ DATABASE_URL: database.url, AUDIT_DEVELOPMENT_KEY_FILE: '/nonexistent/audit-key.pem' })).code).toBe(2);
    });
  });

  describe('retention', () => {
    it('purges only behind a sealed checkpoint, records it signed, and the rest still verifies from there', async () => {
      const sealer = hub.app.get(AuditSealer);
      const recent = await dataSource.transaction((manager) =>
        appendDecisions(manager, [decision(A, 1, { decidedAt: '2026-05-30T10:00:00.000Z' }), decision(C, 1, { decidedAt: '2026-05-31T10:00:00.000Z' })]),
      );
      // 30 days before 1 June: every seeded row (decided in April) expires, the two May rows stay.
      const result = await sealer.purgeExpired(new Date('2026-06-01T00:00:00.000Z'), 30);
      expect(result).toMatchObject({ throughSeq: seeded.length, deleted: seeded.length, checkpoint: { seq: seeded.length } });
      const [{ remaining }] = await dataSource.query('SELECT count(*)::int AS remaining FROM decisions');
      expect(remaining).toBe(2);

      const verify = await get('/v1/audit/verify');
      expect(verify.body).toMatchObject({
        ok: true,
        checked: 2,
        fromSeq: seeded.length + 1,
        throughSeq: recent[1].seq,
        retention: { purgedThroughSeq: seeded.length, decidedBefore: '2026-05-02T00:00:00.000Z' },
      });
      expect(verify.body.retention.note).toContain(`verification starts after the signed checkpoint at seq ${seeded.length}`);
      expect(await sealer.purgeExpired(new Date('2026-06-01T00:00:00.000Z'), 30)).toBeNull();

      // The subject report only holds what is retained.
      const report = await get(`/v1/audit/subject-report?nhsNumber=${A.nhsNumber}`);
      expect(report.body.items.map((item: { seq: number }) => item.seq)).toEqual([recent[0].seq]);

      // Someone without the key cannot pass off a deletion as retention.
      const forged = await verifyTampered(
        `DELETE FROM decisions WHERE seq = ${recent[0].seq}`,
        [`INSERT INTO audit_purges SELECT $1, $2, decided_before, purged_at, signature, key_id FROM audit_purges`, [recent[0].seq, recent[0].hash]],
      );
      expect(forged).toMatchObject({ ok: false, firstBrokenSeq: recent[0].seq });
      expect(forged.problem).toContain('purge record');
    });

    it('seals on schedule, but never a chain that does not verify', async () => {
      const sealer = hub.app.get(AuditSealer);
      const [added] = await dataSource.transaction((manager) => appendDecisions(manager, [decision(D, 1, { decidedAt: '2026-05-31T12:00:00.000Z' })]));
      await owner(`UPDATE decisions SET recipient = $1 WHERE seq = $2`, [PH, added.seq]);
      try {
        const refused = await hub.request('POST', '/v1/audit/checkpoints', { token: ADMIN_TOKEN });
        expect(refused.status).toBe(409);
        expect(refused.body).toMatchObject({ code: 'audit-chain-broken' });
        expect(refused.body.message).toContain(`seq ${added.seq}`);
        await sealer.tick();
        const [{ latest }] = await dataSource.query('SELECT max(seq)::int AS latest FROM audit_checkpoints');
        expect(latest).toBeLessThan(added.seq);
      } finally {
        await owner(`UPDATE decisions SET recipient = $1 WHERE seq = $2`, [RB, added.seq]);
      }
      await sealer.tick();
      const verify = await get('/v1/audit/verify');
      expect(verify.body).toMatchObject({ ok: true, lastCheckpoint: { seq: added.seq } });
    });
  });
});

