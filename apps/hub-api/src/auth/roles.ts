import type { Caller as TokenCaller } from '@accord/auth';

export { REQUIRED_ROLES, RequireRoles, ROLES, type Role } from '@accord/auth';

/** Who is calling hub-api: a token's caller, or the bootstrap admin token (ACCORD_ADMIN_TOKEN). */
export interface Caller extends TokenCaller {
  /** True for the bootstrap admin token, which production limits to issuing the first admin token. */
  bootstrap?: boolean;
}
