/** What other features use of authentication: the roles a route requires and the caller it serves. */
export { REQUIRED_ROLES, RequireRoles, ROLES, type Caller, type Role } from './roles';
export { CurrentCaller } from './caller.decorator';
