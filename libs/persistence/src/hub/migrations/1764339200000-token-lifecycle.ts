import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tokens become Ed25519-signed JWTs with an expiry (docs/contract.md, "HTTP API"),
 * checked by every app without a call to hub-api; the table keeps what revocation,
 * expiry and the token list need, and no longer a hash of the token.
 *
 * Tokens issued before this version were random strings known only by their hash: the
 * domain services cannot check them, so they are revoked here (revoked_by
 * `migration-token-lifecycle`) and must be issued again. Their expiry is set 90 days after
 * issue, the new default.
 */
export class TokenLifecycle1764339200000 implements MigrationInterface {
  name = 'TokenLifecycle1764339200000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE api_tokens
        ADD COLUMN expires_at timestamptz,
        ADD COLUMN last_used_at timestamptz,
        ADD COLUMN revoked_by text`);
    await runner.query(`
      UPDATE api_tokens
         SET expires_at = created_at + interval '90 days',
             revoked_by = CASE WHEN revoked_at IS NULL THEN 'migration-token-lifecycle' ELSE revoked_by END,
             revoked_at = coalesce(revoked_at, now())`);
    await runner.query('ALTER TABLE api_tokens ALTER COLUMN expires_at SET NOT NULL, DROP COLUMN token_hash');
    // The revocation list the apps poll: revoked tokens not yet expired.
    await runner.query('CREATE INDEX api_tokens_revoked ON api_tokens (expires_at) WHERE revoked_at IS NOT NULL');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX api_tokens_revoked');
    // The JWTs issued since cannot be turned back into hashed tokens: they are revoked, and the column comes back empty.
    await runner.query('UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now())');
    await runner.query('ALTER TABLE api_tokens DROP COLUMN expires_at, DROP COLUMN last_used_at, DROP COLUMN revoked_by, ADD COLUMN token_hash text UNIQUE');
  }
}
