import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AccordError, IS_PUBLIC_ROUTE } from '@accord/platform';
import { AuthService } from './auth.service';
import { REQUIRED_ROLES, type Caller, type Role } from './roles';

export class Unauthenticated extends AccordError {
  constructor() {
    super('unauthenticated', 'A valid bearer token is required', HttpStatus.UNAUTHORIZED);
  }
}

export class Forbidden extends AccordError {
  constructor(roles: Role[]) {
    super('forbidden', `This needs one of the roles: ${roles.join(', ')}`, HttpStatus.FORBIDDEN);
  }
}

export type AuthenticatedRequest = Request & { caller?: Caller };

/** Every route needs a bearer token unless marked public; routes with roles need one of them. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const caller = match ? await this.auth.authenticate(match[1]) : null;
    if (!caller) throw new Unauthenticated();
    request.caller = caller;
    const required = this.reflector.getAllAndOverride<Role[]>(REQUIRED_ROLES, targets) ?? [];
    if (required.length === 0 || caller.roles.includes('admin')) return true;
    if (!required.some((role) => caller.roles.includes(role))) throw new Forbidden(required);
    return true;
  }
}
