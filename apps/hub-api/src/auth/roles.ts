import { SetMetadata } from '@nestjs/common';

export const ROLES = ['admin', 'governance', 'consent-officer', 'auditor', 'ops', 'publisher'] as const;
export type Role = (typeof ROLES)[number];

export const REQUIRED_ROLES = 'accord:required-roles';

/** The roles that may call a route (any one suffices; `admin` may call every route). */
export const RequireRoles = (...roles: Role[]) => SetMetadata(REQUIRED_ROLES, roles);

/** Who is calling: resolved from the bearer token by the AuthGuard. */
export interface Caller {
  tokenId: string;
  participant: string | null;
  roles: Role[];
}
