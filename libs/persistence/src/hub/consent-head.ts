import type { EntityManager } from 'typeorm';

/*
 * The consent registry's head (docs/contract.md, "Consent"; docs/architecture.md,
 * "Guarantees", 6): one row whose `seq` moves with every consent statement, in the
 * statement's transaction. It is how a decision write knows that no statement committed
 * after the broker read consent for its batch, and how a withdrawal's notice scan knows
 * it sees every share decided before it:
 *
 * - the broker reads `seq` before it reads the batch's statements, and appends the
 *   batch's decisions only while `seq` is unchanged, holding the row FOR SHARE until its
 *   commit (`lockConsentHead`, or `appendDecisionsIfHead`'s check);
 * - recording a statement first moves `seq` (`advanceConsentHead`), which waits for the
 *   decision writes holding the row and holds it against new ones until it commits; its
 *   scan for shares to notify runs after that, in the same transaction.
 *
 * So a share is decided either on a consent read that includes the statement, or before
 * the statement commits and then is seen by its notice scan: never in between.
 */

/** The head now (no lock): read before the statements the decisions will be based on. */
export async function readConsentHead(manager: EntityManager): Promise<number> {
  const [row] = await manager.query('SELECT seq FROM consent_head WHERE id = 1');
  if (!row) throw new Error('the consent head row is missing: run the hub migrations');
  return Number(row.seq);
}

/** The head, share-locked until the caller's transaction ends: no statement commits meanwhile. */
export async function lockConsentHead(manager: EntityManager): Promise<number> {
  const [row] = await manager.query('SELECT seq FROM consent_head WHERE id = 1 FOR SHARE');
  if (!row) throw new Error('the consent head row is missing: run the hub migrations');
  return Number(row.seq);
}

/** Moves the head, first thing in a statement's transaction (waits for decision writes under way). */
export async function advanceConsentHead(manager: EntityManager): Promise<number> {
  const [rows] = await manager.query('UPDATE consent_head SET seq = seq + 1 WHERE id = 1 RETURNING seq');
  const row = (rows as Array<{ seq: string }>)[0];
  if (!row) throw new Error('the consent head row is missing: run the hub migrations');
  return Number(row.seq);
}

/** Thrown by a decision write when a consent statement committed after its batch read consent: read and decide again. */
export class ConsentChanged extends Error {
  constructor() {
    super('a consent statement was recorded after the batch read consent; deciding again');
    this.name = 'ConsentChanged';
  }
}
