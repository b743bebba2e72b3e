import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * An issued bearer token. The token itself is a JWT signed by hub-api (`@accord/auth`) and
 * shown once at issue; nothing here can recreate it. The row is what revocation, expiry
 * and the token list read.
 */
@Entity({ name: 'api_tokens' })
export class ApiTokenEntity {
  /** The token's JWT id (`jti`). */
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'text', nullable: true })
  participant: string | null;

  @Column({ type: 'text', array: true })
  roles: string[];

  @Column({ type: 'text', nullable: true })
  description: string | null;

  /** The id of the token that issued it (`bootstrap-admin` for the bootstrap token). */
  @Column({ type: 'text', name: 'created_by', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'timestamptz', name: 'expires_at' })
  expiresAt: Date;

  /** Last seen by hub-api (updated at most every few seconds); the domain services do not report use. */
  @Column({ type: 'timestamptz', name: 'last_used_at', nullable: true })
  lastUsedAt: Date | null;

  @Column({ type: 'timestamptz', name: 'revoked_at', nullable: true })
  revokedAt: Date | null;

  @Column({ type: 'text', name: 'revoked_by', nullable: true })
  revokedBy: string | null;
}
