import { applyDecorators } from '@nestjs/common';
import { ApiExtension, ApiForbiddenResponse } from '@nestjs/swagger';
import { RequireRoles, type Role } from '@accord/auth';

/** The roles the domain services know: `publisher` writes records, `reader` reads records and inbox work items. hub-api's roles (admin too) mean nothing here. */
export const DOMAIN_ROLES = ['publisher', 'reader'] as const satisfies readonly Role[];
export type DomainRole = (typeof DOMAIN_ROLES)[number];

export function isDomainRole(role: unknown): role is DomainRole {
  return (DOMAIN_ROLES as readonly unknown[]).includes(role);
}

/**
 * The role a domain-service route needs (every POST `publisher`, every GET `reader`).
 * DomainAuthGuard refuses every route without one, so a new route is closed until it says
 * who may call it. The OpenAPI document shows the role as `x-accord-role` and in the 403.
 */
export const RequireRole = (role: DomainRole) =>
  applyDecorators(
    RequireRoles(role),
    ApiExtension('x-accord-role', role),
    ApiForbiddenResponse({
      description: `Needs a bearer token with the ${role} role, bound to a participant this service serves (forbidden, participant-forbidden)`,
    }),
  );
