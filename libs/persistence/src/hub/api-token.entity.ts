import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A bearer token: only its SHA-256 is stored; the token itself is shown once at issue. */
@Entity({ name: 'api_tokens' })
export class ApiTokenEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'text', name: 'token_hash' })
  tokenHash: string;

  @Column({ type: 'text', nullable: true })
  participant: string | null;

  @Column({ type: 'text', array: true })
  roles: string[];

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'text', name: 'created_by', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'timestamptz', name: 'revoked_at', nullable: true })
  revokedAt: Date | null;
}
