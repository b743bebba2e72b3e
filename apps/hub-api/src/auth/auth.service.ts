import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { HttpStatus, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { ApiTokenEntity, ParticipantEntity } from '@accord/persistence';
import { AccordError } from '@accord/platform';
import type { Caller, Role } from './roles';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

const CACHE_TTL_MS = 5_000;

@Injectable()
export class AuthService {
  private readonly adminTokenHash: Buffer;
  // A short cache keeps token checks off the database on busy routes; revocation takes effect within the TTL.
  private readonly cache = new Map<string, { caller: Caller | null; expires: number }>();

  constructor(
    config: ConfigService,
    @InjectRepository(ApiTokenEntity) private readonly tokens: Repository<ApiTokenEntity>,
    @InjectRepository(ParticipantEntity) private readonly participants: Repository<ParticipantEntity>,
  ) {
    this.adminTokenHash = Buffer.from(hashToken(config.getOrThrow<string>('ACCORD_ADMIN_TOKEN')), 'hex');
  }

  async authenticate(token: string): Promise<Caller | null> {
    const tokenHash = hashToken(token);
    if (timingSafeEqual(Buffer.from(tokenHash, 'hex'), this.adminTokenHash)) {
      return { tokenId: 'bootstrap-admin', participant: null, roles: ['admin'] };
    }
    const cached = this.cache.get(tokenHash);
    if (cached && cached.expires > Date.now()) return cached.caller;
    const row = await this.tokens.findOneBy({ tokenHash, revokedAt: IsNull() });
    const caller = row ? { tokenId: row.id, participant: row.participant, roles: row.roles as Role[] } : null;
    this.cache.set(tokenHash, { caller, expires: Date.now() + CACHE_TTL_MS });
    return caller;
  }

  /** Issues a token; the token is returned once and only its hash is kept. */
  async issue(request: { participant?: string | null; roles: Role[]; description?: string }, issuedBy: Caller) {
    if (request.participant && !(await this.participants.existsBy({ id: request.participant }))) {
      throw new AccordError('unknown-participant', 'The participant is not registered', HttpStatus.UNPROCESSABLE_ENTITY, [
        { path: 'participant', problem: 'not a registered participant' },
      ]);
    }
    const token = `acc_${randomBytes(32).toString('base64url')}`;
    const entity = this.tokens.create({
      id: randomUUID(),
      tokenHash: hashToken(token),
      participant: request.participant ?? null,
      roles: request.roles,
      description: request.description ?? null,
      createdBy: issuedBy.tokenId,
    });
    await this.tokens.insert(entity);
    return { id: entity.id, token, participant: entity.participant, roles: entity.roles, description: entity.description };
  }
}
