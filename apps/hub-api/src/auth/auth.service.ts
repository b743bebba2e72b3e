import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { HttpStatus, Injectable, type OnModuleInit } from '@nestjs/common';
import { HubApiEnvironment } from '../environment';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { LRUCache } from 'lru-cache';
import { DataSource, IsNull, MoreThan, Not, Repository, type EntityManager } from 'typeorm';
import { loadSigningKey } from '@accord/audit-chain';
import { developmentSigningKey } from '../development-keys';
import { TokenSigner, verifyToken } from '@accord/auth';
import { ApiTokenEntity, ParticipantEntity } from '@accord/persistence';
import { AccordError } from '@accord/platform';
import type { Caller, Role } from './roles';

/** A token's default and longest life. */
export const DEFAULT_TOKEN_DAYS = 90;
export const MAX_TOKEN_DAYS = 365;
const DAY_MS = 86_400_000;

/**
 * How long this instance trusts what it read of a token's row (revoked or not). A
 * revocation here drops the entry at once; another hub-api instance sees it within this.
 */
const TOKEN_STATE_TTL_MS = 2_000;
/** Most token states cached. Only tokens whose signature verified get an entry, so random tokens cannot fill it. */
const TOKEN_STATE_MAX = 10_000;
/** How long the bootstrap token's "is there an admin yet" answer is reused in production. */
const BOOTSTRAP_CHECK_TTL_MS = 2_000;
/** Serialises first-admin issue in production, so two bootstrap calls cannot both issue one. */
const BOOTSTRAP_ISSUE_LOCK = 0x6163_746b; // 'actk'

export const BOOTSTRAP_TOKEN_ID = 'bootstrap-admin';

export interface TokenView {
  id: string;
  participant: string | null;
  roles: string[];
  description: string | null;
  createdBy: string | null;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  status: 'active' | 'expired' | 'revoked';
}

export interface RevocationList {
  /** When the list was read: every token revoked before this is in it. */
  asOf: string;
  /** Revoked tokens that have not yet expired (an expired token is refused anyway). */
  revoked: Array<{ id: string; expiresAt: string }>;
}

/**
 * Issues, checks, lists and revokes bearer tokens (docs/contract.md, "HTTP API"). A token
 * is a JWT signed with ACCORD_TOKEN_SIGNING_KEY (`@accord/auth`): the domain services
 * check it with the published key and poll the revocation list; hub-api checks the
 * signature, then the token's row (revoked or not) through a short, bounded cache, and
 * records its use.
 */
@Injectable()
export class AuthService implements OnModuleInit {
  private readonly adminTokenHash: Buffer;
  private readonly production: boolean;
  private signer!: TokenSigner;
  private readonly states = new LRUCache<string, { revoked: boolean }>({ max: TOKEN_STATE_MAX, ttl: TOKEN_STATE_TTL_MS });
  private bootstrapOpen: { open: boolean; until: number } | null = null;
  private revocations: { list: RevocationList; until: number } | null = null;

  constructor(
    private readonly environment: HubApiEnvironment,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(ApiTokenEntity) private readonly tokens: Repository<ApiTokenEntity>,
    @InjectRepository(ParticipantEntity) private readonly participants: Repository<ParticipantEntity>,
  ) {
    this.adminTokenHash = sha256(environment.ACCORD_ADMIN_TOKEN);
    this.production = environment.NODE_ENV === 'production';
  }

  async onModuleInit(): Promise<void> {
    const configured = this.environment.ACCORD_TOKEN_SIGNING_KEY;
    const key = configured
      ? loadSigningKey(configured, 'token signing key')
      : developmentSigningKey(this.environment.ACCORD_TOKEN_DEVELOPMENT_KEY_FILE, 'token signing key');
    this.signer = await TokenSigner.create(key);
  }

  /** The public key set the apps verify tokens with (`GET /.well-known/jwks.json`). */
  jwks() {
    return this.signer.jwks();
  }

  /** The caller a bearer token names, or null: wrong signature, expired, revoked, or unknown here. */
  async authenticate(token: string): Promise<Caller | null> {
    if (timingSafeEqual(sha256(token), this.adminTokenHash)) return this.bootstrapCaller();
    const verified = await verifyToken(token, this.signer.publicKey());
    if (!verified) return null;
    let state = this.states.get(verified.tokenId);
    if (!state) {
      // One statement checks the row and records the use (at most once per TTL per token and instance); a refused
      // token is not a use. No row: revoked, or signed by this key but not in this registry (a database restored
      // from before its issue); refused either way.
      const { raw } = await this.tokens
        .createQueryBuilder()
        .update()
        .set({ lastUsedAt: () => 'now()' })
        .where('id = :id AND revoked_at IS NULL', { id: verified.tokenId })
        .returning('id')
        .execute();
      state = { revoked: (raw as unknown[]).length === 0 };
      this.states.set(verified.tokenId, state);
    }
    if (state.revoked) return null;
    return { tokenId: verified.tokenId, participant: verified.participant, roles: verified.roles };
  }

  /**
   * Issues a token; the token is returned once and can be neither shown nor recreated later.
   * In production the bootstrap token issues only the first admin token.
   */
  async issue(request: { participant?: string | null; roles: Role[]; description?: string; expiresAt?: string }, issuedBy: Caller) {
    // Before any other check, so the bootstrap token learns nothing (e.g. which participants exist) from what it may not issue.
    if (issuedBy.bootstrap && this.production && (request.participant || !request.roles.includes('admin'))) throw new BootstrapIssueRestricted();
    const problems = [];
    if (request.participant && !(await this.participants.existsBy({ id: request.participant }))) {
      problems.push({ path: 'participant', problem: 'not a registered participant' });
    }
    const now = Date.now();
    // Whole seconds, as the token's `exp` carries it: the row, the listing and the token expire at the same instant.
    const expiresAt = wholeSeconds(request.expiresAt ? new Date(request.expiresAt) : new Date(now + DEFAULT_TOKEN_DAYS * DAY_MS));
    if (expiresAt.getTime() <= now) problems.push({ path: 'expiresAt', problem: 'must be in the future' });
    if (expiresAt.getTime() > now + MAX_TOKEN_DAYS * DAY_MS) problems.push({ path: 'expiresAt', problem: `must be at most ${MAX_TOKEN_DAYS} days ahead` });
    if (problems.length > 0) {
      const code = problems.some((item) => item.path === 'participant') ? 'unknown-participant' : 'invalid-request';
      throw new AccordError(code, 'The token cannot be issued', HttpStatus.UNPROCESSABLE_ENTITY, problems);
    }
    const entity = this.tokens.create({
      id: randomUUID(),
      participant: request.participant ?? null,
      roles: request.roles,
      description: request.description ?? null,
      createdBy: issuedBy.tokenId,
      expiresAt,
    });
    if (issuedBy.bootstrap && this.production) {
      await this.issueFirstAdmin(entity);
    } else {
      await this.tokens.insert(entity);
    }
    const token = await this.signer.sign({ id: entity.id, participant: entity.participant, roles: request.roles, expiresAt });
    return { id: entity.id, token, participant: entity.participant, roles: entity.roles, description: entity.description, expiresAt: expiresAt.toISOString() };
  }

  async list(): Promise<TokenView[]> {
    const rows = await this.tokens.find({ order: { createdAt: 'DESC', id: 'ASC' } });
    return rows.map(tokenView);
  }

  /** Revokes a token (again: no change). Every app refuses it within seconds; this instance at once. */
  async revoke(id: string, by: Caller): Promise<TokenView> {
    await this.tokens.update({ id, revokedAt: IsNull() }, { revokedAt: () => 'now()', revokedBy: by.tokenId });
    const row = await this.tokens.findOneBy({ id });
    if (!row) throw new AccordError('token-not-found', 'No token has this id', HttpStatus.NOT_FOUND);
    this.states.delete(id);
    this.revocations = null;
    return tokenView(row);
  }

  /** Revoked, unexpired tokens, read at most twice a second whoever polls. */
  async revocationList(): Promise<RevocationList> {
    if (this.revocations && this.revocations.until > Date.now()) return this.revocations.list;
    const asOf = new Date();
    const rows = await this.tokens.find({
      select: { id: true, expiresAt: true },
      where: { revokedAt: Not(IsNull()), expiresAt: MoreThan(asOf) },
      order: { expiresAt: 'ASC' },
    });
    const list = { asOf: asOf.toISOString(), revoked: rows.map((row) => ({ id: row.id, expiresAt: row.expiresAt.toISOString() })) };
    this.revocations = { list, until: Date.now() + 500 };
    return list;
  }

  private async bootstrapCaller(): Promise<Caller | null> {
    const caller: Caller = { tokenId: BOOTSTRAP_TOKEN_ID, participant: null, roles: ['admin'], bootstrap: true };
    if (!this.production) return caller;
    if (!this.bootstrapOpen || this.bootstrapOpen.until < Date.now()) {
      this.bootstrapOpen = { open: !(await activeAdminExists(this.dataSource.manager)), until: Date.now() + BOOTSTRAP_CHECK_TTL_MS };
    }
    return this.bootstrapOpen.open ? caller : null;
  }

  private async issueFirstAdmin(entity: ApiTokenEntity): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_ISSUE_LOCK]);
      if (await activeAdminExists(manager)) throw new AccordError('unauthenticated', 'A valid bearer token is required', HttpStatus.UNAUTHORIZED);
      await manager.insert(ApiTokenEntity, entity);
    });
    this.bootstrapOpen = { open: false, until: Date.now() + BOOTSTRAP_CHECK_TTL_MS };
  }
}

class BootstrapIssueRestricted extends AccordError {
  constructor() {
    super(
      'bootstrap-token-restricted',
      'In production the bootstrap admin token only issues the first admin token: roles must include admin, with no participant',
      HttpStatus.FORBIDDEN,
    );
  }
}

function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** An admin token that is neither revoked nor expired: once one exists, production's bootstrap token stops working. */
async function activeAdminExists(manager: EntityManager): Promise<boolean> {
  const rows: unknown[] = await manager.query(
    `SELECT 1 FROM api_tokens WHERE 'admin' = ANY (roles) AND revoked_at IS NULL AND expires_at > now() LIMIT 1`,
  );
  return rows.length > 0;
}

function tokenView(row: ApiTokenEntity): TokenView {
  const status = row.revokedAt ? 'revoked' : row.expiresAt.getTime() <= Date.now() ? 'expired' : 'active';
  return {
    id: row.id,
    participant: row.participant,
    roles: row.roles,
    description: row.description,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    status,
  };
}
