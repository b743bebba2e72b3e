import { HttpStatus, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { HubApiEnvironment } from '../environment';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { bearerToken, clientAddress, FailedAuthLimiter, failedAuthLimits, Forbidden, Unauthenticated } from '@accord/auth';
import { AccordError, IS_PUBLIC_ROUTE } from '@accord/platform';
import { AuthService } from './auth.service';
import { REQUIRED_ROLES, type Caller, type Role } from './roles';

export type AuthenticatedRequest = Request & { caller?: Caller };

const BOOTSTRAP_ROUTE = 'accord:bootstrap-route';
/** The one route production's bootstrap admin token may call: issuing the first admin token. */
export const BootstrapRoute = () => SetMetadata(BOOTSTRAP_ROUTE, true);

export class BootstrapTokenRestricted extends AccordError {
  constructor() {
    super(
      'bootstrap-token-restricted',
      'In production the bootstrap admin token only issues the first admin token (POST /v1/tokens); use that token',
      HttpStatus.FORBIDDEN,
    );
  }
}

/** Every route needs a bearer token unless marked public; routes with roles need one of them. */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly production: boolean;
  private readonly limiter: FailedAuthLimiter;

  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    environment: HubApiEnvironment,
  ) {
    this.production = environment.NODE_ENV === 'production';
    this.limiter = new FailedAuthLimiter(failedAuthLimits(environment));
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const address = clientAddress(request);
    await this.limiter.check(address);
    const token = bearerToken(request.headers.authorization);
    const caller = token ? await this.auth.authenticate(token) : null;
    if (!caller) {
      await this.limiter.failed(address);
      throw new Unauthenticated();
    }
    if (caller.bootstrap && this.production && !this.reflector.getAllAndOverride<boolean>(BOOTSTRAP_ROUTE, targets)) {
      throw new BootstrapTokenRestricted();
    }
    request.caller = caller;
    const required = this.reflector.getAllAndOverride<Role[]>(REQUIRED_ROLES, targets) ?? [];
    if (required.length === 0 || caller.roles.includes('admin')) return true;
    if (!required.some((role) => caller.roles.includes(role))) throw new Forbidden(required);
    return true;
  }
}
