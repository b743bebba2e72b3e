import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The control plane (tokens, agreement versions, consent statements) and the audit log
 * (decisions, the chain head, signed checkpoints). Personal identifiers are stored only
 * as keyed hashes: the consent registry and the audit log are searched by hashing the
 * identifier the same way.
 */
export class GovernanceAndAudit1764338500000 implements MigrationInterface {
  name = 'GovernanceAndAudit1764338500000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY,
        token_hash text NOT NULL UNIQUE,
        participant text REFERENCES participants (id),
        roles text[] NOT NULL,
        description text,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);

    await runner.query(`
      CREATE TABLE agreement_versions (
        agreement_id text NOT NULL CHECK (agreement_id ~ '^[a-z0-9-]+$'),
        version integer NOT NULL CHECK (version >= 1),
        status text NOT NULL CHECK (status IN ('draft', 'active', 'suspended')),
        provider text NOT NULL,
        document jsonb NOT NULL,
        document_digest text NOT NULL,
        change text NOT NULL,
        applied_by text,
        applied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (agreement_id, version)
      )`);
    await runner.query('CREATE INDEX agreement_versions_provider ON agreement_versions (provider)');

    await runner.query(`
      CREATE TABLE consent_statements (
        id uuid PRIMARY KEY,
        recorded_seq bigserial UNIQUE,
        nhs_key text,
        ni_key text,
        kind text NOT NULL CHECK (kind IN ('grant', 'withdraw', 'object', 'national-opt-out', 'national-opt-out-removed')),
        scope_purpose text,
        scope_recipient text,
        scope_agreement_id text,
        effective_from timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        recorded_by text,
        evidence text,
        CHECK (nhs_key IS NOT NULL OR ni_key IS NOT NULL)
      )`);
    await runner.query('CREATE INDEX consent_statements_nhs ON consent_statements (nhs_key) WHERE nhs_key IS NOT NULL');
    await runner.query('CREATE INDEX consent_statements_ni ON consent_statements (ni_key) WHERE ni_key IS NOT NULL');

    await runner.query(`
      CREATE TABLE decisions (
        seq bigint PRIMARY KEY,
        decision_id uuid NOT NULL UNIQUE,
        event_id text,
        event_type text,
        source text,
        recipient text,
        agreement_id text,
        agreement_version integer,
        purpose text,
        lawful_basis jsonb,
        outcome text NOT NULL CHECK (outcome IN ('shared', 'withheld', 'rejected')),
        reasons text[] NOT NULL,
        fields_released text[] NOT NULL,
        fields_withheld text[] NOT NULL,
        consent_refs text[] NOT NULL,
        subject_key text,
        payload_digest text,
        topic text NOT NULL,
        kafka_partition integer NOT NULL,
        kafka_offset text NOT NULL,
        decided_at timestamptz NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL
      )`);
    await runner.query('CREATE INDEX decisions_subject ON decisions (subject_key, decided_at) WHERE subject_key IS NOT NULL');
    await runner.query('CREATE INDEX decisions_recipient ON decisions (recipient, decided_at)');
    await runner.query('CREATE INDEX decisions_source ON decisions (source, decided_at)');
    await runner.query('CREATE INDEX decisions_agreement ON decisions (agreement_id, decided_at)');
    await runner.query('CREATE INDEX decisions_event ON decisions (event_id)');
    await runner.query('CREATE INDEX decisions_decided_at ON decisions (decided_at)');

    // One row: the chain head. Writers lock it to take the next sequence numbers in order.
    await runner.query(`
      CREATE TABLE audit_chain_head (
        id smallint PRIMARY KEY CHECK (id = 1),
        seq bigint NOT NULL,
        hash text NOT NULL
      )`);
    await runner.query(`INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, 0, repeat('0', 64))`);

    await runner.query(`
      CREATE TABLE audit_checkpoints (
        seq bigint PRIMARY KEY,
        hash text NOT NULL,
        signed_at timestamptz NOT NULL,
        signature text NOT NULL,
        key_id text NOT NULL
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['audit_checkpoints', 'audit_chain_head', 'decisions', 'consent_statements', 'agreement_versions', 'api_tokens']) {
      await runner.query(`DROP TABLE ${table}`);
    }
  }
}
