import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the auditor API, verification and retention need on top of the audit tables:
 * - indexes for the auditor's filters, keyset-paginated by seq;
 * - `subject_key_links`: pairs of keyed hashes (NHS number key, NI number key) seen on
 *   the same record, so a search by either identifier finds rows keyed by the other;
 * - `audit_purges`: each retention purge, signed, so verification knows (and says) that
 *   the retained chain starts after a sealed checkpoint;
 * - a guard that refuses UPDATE, DELETE and TRUNCATE on the sealed tables, except the
 *   retention purge's own DELETE. It stops accidents, not a database owner (who can
 *   disable triggers): that is what the hash chain and the signed checkpoints are for.
 */
export class AuditLog1764338600000 implements MigrationInterface {
  name = 'AuditLog1764338600000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE INDEX decisions_subject_seq ON decisions (subject_key, seq) WHERE subject_key IS NOT NULL');
    await runner.query('CREATE INDEX decisions_outcome ON decisions (outcome, decided_at)');
    await runner.query('CREATE INDEX decisions_event_type ON decisions (event_type, decided_at)');
    await runner.query('CREATE INDEX decisions_reasons ON decisions USING gin (reasons)');

    await runner.query(`
      CREATE TABLE subject_key_links (
        nhs_key text NOT NULL,
        ni_key text NOT NULL,
        first_seen_seq bigint NOT NULL,
        PRIMARY KEY (nhs_key, ni_key)
      )`);
    await runner.query('CREATE INDEX subject_key_links_ni ON subject_key_links (ni_key)');

    await runner.query(`
      CREATE TABLE audit_purges (
        through_seq bigint PRIMARY KEY,
        hash text NOT NULL,
        decided_before timestamptz NOT NULL,
        purged_at timestamptz NOT NULL,
        signature text NOT NULL,
        key_id text NOT NULL
      )`);

    await runner.query(`
      CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'decisions'
           AND current_setting('accord.audit_retention', true) = 'purge' THEN
          RETURN NULL;
        END IF;
        RAISE EXCEPTION 'the audit log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of ['decisions', 'audit_checkpoints', 'audit_purges']) {
      await runner.query(
        `CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ${table}
           FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()`,
      );
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['decisions', 'audit_checkpoints', 'audit_purges']) {
      await runner.query(`DROP TRIGGER ${table}_append_only ON ${table}`);
    }
    await runner.query('DROP FUNCTION audit_append_only()');
    await runner.query('DROP TABLE audit_purges');
    await runner.query('DROP TABLE subject_key_links');
    for (const index of ['decisions_reasons', 'decisions_event_type', 'decisions_outcome', 'decisions_subject_seq']) {
      await runner.query(`DROP INDEX ${index}`);
    }
  }
}
