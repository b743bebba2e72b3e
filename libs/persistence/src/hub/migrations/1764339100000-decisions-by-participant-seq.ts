import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A participant's decisions in seq order, for auditors bound to a participant
 * (docs/contract.md, "HTTP API"), who read only the rows where it is the source or the
 * recipient, in keyset pages by seq (`findDecisionTexts`).
 *
 * `(source, seq)` and `(recipient, seq)` give each half of that scope in page order, so a
 * page reads only the participant's own rows. With `(source, decided_at)` and
 * `(recipient, decided_at)` alone, Postgres either collected every row of the participant
 * after the cursor and sorted them for each page (an export of a large participant reads
 * its rows again for every page), or walked the primary key filtering, which reads every
 * row before the participant's first: the first page for a participant that joined late
 * read 900,000 of 1,000,000 rows (EXPLAIN ANALYZE, 1M-row test log).
 *
 * They replace the `decided_at` pair, whose only readers were the auditor's `source` and
 * `recipient` filters: those read in seq order too, and a time range is a filter over the
 * participant's rows or taken from decisions_decided_at (plans measured identical without
 * the old pair). Every append keeps paying for two indexes, not four.
 *
 * Building them locks out appends while it runs. For a large log, build them beforehand
 * with `CREATE INDEX CONCURRENTLY` under these names; the migration then only drops the old
 * pair. (CONCURRENTLY cannot run here: it waits for every open snapshot, including that of
 * another app waiting on the migration lock this run holds.)
 */
export class DecisionsByParticipantSeq1764339100000 implements MigrationInterface {
  name = 'DecisionsByParticipantSeq1764339100000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE INDEX IF NOT EXISTS decisions_source_seq ON decisions (source, seq)');
    await runner.query('CREATE INDEX IF NOT EXISTS decisions_recipient_seq ON decisions (recipient, seq)');
    await runner.query('DROP INDEX IF EXISTS decisions_source');
    await runner.query('DROP INDEX IF EXISTS decisions_recipient');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE INDEX decisions_source ON decisions (source, decided_at)');
    await runner.query('CREATE INDEX decisions_recipient ON decisions (recipient, decided_at)');
    await runner.query('DROP INDEX decisions_recipient_seq');
    await runner.query('DROP INDEX decisions_source_seq');
  }
}
