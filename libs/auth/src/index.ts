/** Bearer tokens (Ed25519 JWTs issued by hub-api), roles, and their checks, shared by every app. */
export * from './roles';
export * from './tokens';
export * from './failed-auth-limiter';
export * from './revocations';
