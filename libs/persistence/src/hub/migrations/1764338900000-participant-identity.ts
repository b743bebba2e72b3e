import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A participant's lifecycle and its Kafka identities (issue 15).
 *
 * `participants.suspended_at`: a suspended participant holds no Kafka ACLs; hub-api
 * reconciles Kafka to this column at start. `suspension_reason` says whether an admin
 * suspended it or a certificate revocation did (see ParticipantAccess).
 *
 * `participant_certificates`: every client certificate the partnership CA issued through
 * hub-api. The certificate is public (it is presented in every TLS handshake), so its PEM
 * is kept; the private key never reaches the hub. Rows are never deleted: a revocation
 * sets `revoked_at`, and the list keeps expired certificates as history.
 */
export class ParticipantIdentity1764338900000 implements MigrationInterface {
  name = 'ParticipantIdentity1764338900000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE participants
        ADD COLUMN suspended_at timestamptz,
        ADD COLUMN suspension_reason text CHECK (suspension_reason IN ('suspended', 'certificate-revoked')),
        ADD CONSTRAINT participants_suspension_reason CHECK ((suspended_at IS NULL) = (suspension_reason IS NULL))`);
    await runner.query(`
      CREATE TABLE participant_certificates (
        serial_number text PRIMARY KEY CHECK (serial_number ~ '^[0-9a-f]{2,64}$'),
        participant text NOT NULL REFERENCES participants (id),
        fingerprint text NOT NULL UNIQUE CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
        not_before timestamptz NOT NULL,
        not_after timestamptz NOT NULL CHECK (not_after > not_before),
        certificate_pem text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        revoked_at timestamptz,
        revoked_by text,
        CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
      )`);
    await runner.query('CREATE INDEX participant_certificates_participant ON participant_certificates (participant, created_at)');
    // The expiry panel and each participant's latest expiry read only certificates not revoked.
    await runner.query('CREATE INDEX participant_certificates_unrevoked_expiry ON participant_certificates (not_after) WHERE revoked_at IS NULL');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE participant_certificates');
    await runner.query(`
      ALTER TABLE participants
        DROP CONSTRAINT participants_suspension_reason,
        DROP COLUMN suspension_reason,
        DROP COLUMN suspended_at`);
  }
}
