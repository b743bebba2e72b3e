/** Injection token of the resolved `AuditKeys` (signing key and trusted verification keys). */
export const AUDIT_KEYS = Symbol('AUDIT_KEYS');
