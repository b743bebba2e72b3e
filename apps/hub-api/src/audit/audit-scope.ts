import { type Caller } from '../auth';

/**
 * Which decisions a caller of the auditor API may see (docs/contract.md, "HTTP API"): a
 * token bound to participant P sees only the decisions where P is the source or the
 * recipient — an IG officer of one council reads its own sharing, not its partners' with
 * each other. An unbound token (`participant: null`: the hub's own auditor, and the
 * bootstrap admin) sees the whole log.
 *
 * The binding decides, whatever the roles: an `admin` token bound to P is scoped to P too,
 * so binding a token to a participant always limits what it reads, and no role combination
 * widens it. Whoever must read the whole log holds an unbound token.
 */
export interface AuditScope {
  /** The participant the caller is limited to; null for the whole log. */
  participant: string | null;
}

export function auditScopeOf(caller: Caller): AuditScope {
  return { participant: caller.participant ?? null };
}
