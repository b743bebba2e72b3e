import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every index on `decisions` is paid for by every decision the broker appends (about 0.7
 * rows per event), so each one left must serve a query someone runs (issue 19; the
 * benchmark's audit phase times each kind, bench/README.md):
 *
 * - `seq` (primary key): the chain, verification, keyset pages, exports;
 * - `decision_id` (unique): one decision by id, and the broker's idempotency check;
 * - `decisions_event` (event_id): the broker's check that an event was decided already;
 * - `decisions_subject_seq`: a person's decisions and subject report;
 * - `decisions_source_seq`, `decisions_recipient_seq`: a participant's decisions (its own
 *   auditors, and the recipient export);
 * - `decisions_decided_at`: time windows (a recipient's day, a month, the retention cut).
 *   A BRIN index in its place was tried and measured: Postgres then walked the primary key
 *   for a recipient's day, filtering, and the query went from tens of milliseconds to
 *   0.3–3 s on 10 million rows (bench/RESULTS.md, seventh run);
 * - `decisions_rejected`, new and partial: the rejections (about 2 % of rows, so only
 *   they pay for it), which operators page through after a partner's bad release.
 *
 * Dropped: the B-trees on (outcome, decided_at), (event_type, decided_at) and
 * (agreement_id, decided_at), and the GIN index on reasons. Those filters still work: a
 * keyset page walks the primary key in seq order and keeps the matching rows, which for
 * values in more than a few percent of rows reads a few pages; a time window narrows it
 * through `decisions_decided_at` first.
 */
export class DecisionsCheaperIndexes1764339400000 implements MigrationInterface {
  name = 'DecisionsCheaperIndexes1764339400000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE INDEX IF NOT EXISTS decisions_rejected ON decisions (seq) WHERE outcome = 'rejected'`);
    for (const index of ['decisions_outcome', 'decisions_event_type', 'decisions_agreement', 'decisions_reasons']) {
      await runner.query(`DROP INDEX IF EXISTS ${index}`);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE INDEX decisions_outcome ON decisions (outcome, decided_at)');
    await runner.query('CREATE INDEX decisions_event_type ON decisions (event_type, decided_at)');
    await runner.query('CREATE INDEX decisions_agreement ON decisions (agreement_id, decided_at)');
    await runner.query('CREATE INDEX decisions_reasons ON decisions USING gin (reasons)');
    await runner.query('DROP INDEX decisions_rejected');
  }
}
