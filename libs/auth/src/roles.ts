import { HttpStatus, SetMetadata } from '@nestjs/common';
import { AccordError, REQUIRED_ROLES_METADATA } from '@accord/platform';

/**
 * Every role a token can carry (docs/contract.md, "HTTP API"). hub-api's routes use the
 * first six, and `publisher` for publishing CloudEvents over HTTPS as the token's
 * participant; the domain services use `publisher` (write records) and `reader` (read
 * records and inbox work items), and only on a token bound to a participant they serve.
 */
export const ROLES = ['admin', 'governance', 'consent-officer', 'auditor', 'ops', 'publisher', 'reader'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** The one metadata key for a route's roles (libs/platform's metrics route sets it too). */
export const REQUIRED_ROLES = REQUIRED_ROLES_METADATA;

/** The roles that may call a route (any one suffices; on hub-api `admin` may call every route). */
export const RequireRoles = (...roles: Role[]) => SetMetadata(REQUIRED_ROLES, roles);

/** Who is calling: resolved from the bearer token. */
export interface Caller {
  tokenId: string;
  participant: string | null;
  roles: Role[];
}

export class Unauthenticated extends AccordError {
  constructor(message = 'A valid bearer token is required') {
    super('unauthenticated', message, HttpStatus.UNAUTHORIZED);
  }
}

export class Forbidden extends AccordError {
  constructor(roles: readonly Role[]) {
    super('forbidden', `This needs one of the roles: ${roles.join(', ')}`, HttpStatus.FORBIDDEN);
  }
}

/** The token from an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match ? match[1]! : null;
}
