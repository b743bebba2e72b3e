import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { bearerToken, clientAddress, FailedAuthLimiter, Forbidden, REQUIRED_ROLES, Unauthenticated, type Role } from '@accord/auth';
import { IS_PUBLIC_ROUTE, MetricsController } from '@accord/platform';
import { DOMAIN_SERVICE_OPTIONS, type DomainServiceOptions } from '../options';
import { PARTICIPANT_HEADER, resolveParticipant, type ParticipantRequest } from '../tenancy/tenancy';
import { RouteClosed } from './domain-auth.errors';
import { isDomainRole } from './domain-roles';
import { HubTokens } from './hub-tokens';

/**
 * Prometheus scrapes `/metrics` on the service's internal port without a token; its `ops`
 * role is hub-api's and means nothing here.
 */
const OPEN_CONTROLLERS: ReadonlySet<unknown> = new Set([MetricsController]);

/**
 * Every HTTP route of a domain service needs a bearer token issued by hub-api, except
 * `/health`, `/metrics` and the API docs (Swagger's, outside Nest's routing). In order:
 * an address over its failed-authentication limit gets 429 before its token is looked at;
 * no token gets 401; a token while revocations cannot be known gets 503 (HubTokens); a
 * token that is not hub-api's, expired or revoked gets 401 (each 401 counted against the
 * address, no reason given); the token's participant must be one this instance serves and
 * match any `Accord-Participant` (403); the route's declared role must be among the
 * token's (403, and 403 for a route that declares none). The Kafka inbox is not HTTP: its
 * senders are authenticated by TLS.
 */
@Injectable()
export class DomainAuthGuard implements CanActivate {
  private readonly limiter: FailedAuthLimiter;

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: HubTokens,
    @Inject(DOMAIN_SERVICE_OPTIONS) private readonly options: DomainServiceOptions,
  ) {
    this.limiter = new FailedAuthLimiter(options.failedAuthLimits);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    if (OPEN_CONTROLLERS.has(context.getClass())) return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_ROUTE, targets)) return true;

    const request = context.switchToHttp().getRequest<ParticipantRequest>();
    const address = clientAddress(request);
    await this.limiter.check(address);
    const token = bearerToken(request.headers.authorization);
    const caller = token ? await this.tokens.authenticate(token) : null;
    if (!caller) {
      await this.limiter.failed(address);
      throw new Unauthenticated();
    }
    const participant = resolveParticipant(caller, request.headers[PARTICIPANT_HEADER], this.options.participants);
    const required = (this.reflector.getAllAndOverride<Role[]>(REQUIRED_ROLES, targets) ?? []).filter(isDomainRole);
    if (required.length === 0) throw new RouteClosed();
    if (!required.some((role) => caller.roles.includes(role))) throw new Forbidden(required);
    request.accordParticipant = participant;
    return true;
  }
}
