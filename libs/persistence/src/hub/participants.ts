import type { DataSource, EntityManager } from 'typeorm';

/*
 * The participant registry and its lifecycle (docs/contract.md, "Participants"): who is
 * registered, who is suspended and why, and when each one's Kafka identity runs out.
 * Kafka's ACLs follow these rows; hub-api's ParticipantAccess keeps the two in step.
 */

/** Why a participant is suspended: an admin said so, or revoking one of its certificates cut its access. */
export type SuspensionReason = 'suspended' | 'certificate-revoked';

export interface ParticipantRecord {
  id: string;
  organisation: string;
  system: string;
  displayName: string;
  registeredAt: Date;
  suspendedAt: Date | null;
  suspensionReason: SuspensionReason | null;
  /** The latest `notAfter` among its certificates that are neither revoked nor expired; null when it has none. */
  certificateExpiresAt: Date | null;
}

/** What Kafka's ACLs must reflect for one participant. */
export interface ParticipantAccessState {
  id: string;
  suspended: boolean;
}

interface ParticipantRow {
  id: string;
  organisation: string;
  system: string;
  display_name: string;
  registered_at: Date;
  suspended_at: Date | null;
  suspension_reason: SuspensionReason | null;
  certificate_expires_at: Date | null;
}

function participantFromRow(row: ParticipantRow): ParticipantRecord {
  return {
    id: row.id,
    organisation: row.organisation,
    system: row.system,
    displayName: row.display_name,
    registeredAt: row.registered_at,
    suspendedAt: row.suspended_at,
    suspensionReason: row.suspension_reason,
    certificateExpiresAt: row.certificate_expires_at,
  };
}

const PARTICIPANT_COLUMNS = `
  p.id, p.organisation, p.system, p.display_name, p.registered_at, p.suspended_at, p.suspension_reason,
  (SELECT max(c.not_after) FROM participant_certificates c
    WHERE c.participant = p.id AND c.revoked_at IS NULL AND c.not_after > $1) AS certificate_expires_at`;

/** Registers a participant or renames it; its suspension, if any, is left as it is. */
export async function upsertParticipant(
  manager: EntityManager,
  participant: { id: string; organisation: string; system: string; displayName: string },
): Promise<void> {
  await manager.query(
    `INSERT INTO participants (id, organisation, system, display_name) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name`,
    [participant.id, participant.organisation, participant.system, participant.displayName],
  );
}

export async function findParticipant(manager: EntityManager, id: string, now: Date = new Date()): Promise<ParticipantRecord | null> {
  const rows: ParticipantRow[] = await manager.query(`SELECT ${PARTICIPANT_COLUMNS} FROM participants p WHERE p.id = $2`, [now, id]);
  return rows.length > 0 ? participantFromRow(rows[0]!) : null;
}

/** Every participant by id, with its suspension and certificate expiry. */
export async function listParticipants(manager: EntityManager, now: Date = new Date()): Promise<ParticipantRecord[]> {
  const rows: ParticipantRow[] = await manager.query(`SELECT ${PARTICIPANT_COLUMNS} FROM participants p ORDER BY p.id`, [now]);
  return rows.map(participantFromRow);
}

/** Every participant and whether it is suspended: what a reconciliation makes Kafka's ACLs match. */
export async function participantAccessStates(manager: EntityManager): Promise<ParticipantAccessState[]> {
  const rows: Array<{ id: string; suspended: boolean }> = await manager.query(
    'SELECT id, suspended_at IS NOT NULL AS suspended FROM participants ORDER BY id',
  );
  return rows.map((row) => ({ id: row.id, suspended: row.suspended }));
}

/**
 * Marks a participant suspended. A participant already suspended keeps its first
 * suspension time and reason (an admin's suspension is not relabelled by a later revocation).
 * False when no participant has this id.
 */
export async function suspendParticipant(manager: EntityManager, id: string, reason: SuspensionReason): Promise<boolean> {
  // In a CTE, the statement is a SELECT: TypeORM gives the rows, not its [rows, count] pair for an UPDATE.
  const rows: unknown[] = await manager.query(
    `WITH updated AS (
       UPDATE participants SET suspended_at = coalesce(suspended_at, now()), suspension_reason = coalesce(suspension_reason, $2)
        WHERE id = $1 RETURNING id)
     SELECT id FROM updated`,
    [id, reason],
  );
  return rows.length > 0;
}

/** Clears a participant's suspension; false when no participant has this id. */
export async function resumeParticipant(manager: EntityManager, id: string): Promise<boolean> {
  const rows: unknown[] = await manager.query(
    'WITH updated AS (UPDATE participants SET suspended_at = NULL, suspension_reason = NULL WHERE id = $1 RETURNING id) SELECT id FROM updated',
    [id],
  );
  return rows.length > 0;
}

/** Two-key advisory lock ("prt", 1): cannot meet the migration, outbox, agreement or audit locks. */
const PARTICIPANT_ACCESS_LOCK = [0x707274, 1] as const;

/**
 * Runs `work` holding the hub-wide lock on participants' Kafka access, so that every
 * change to it (register, suspend, resume, certificate revocation, reconciliation at
 * start) across every hub-api instance happens one at a time, DB write and ACL change
 * together. The lock is session-level, on a connection of its own: `work` commits its
 * writes (through `manager`) while still holding it, and then changes Kafka. A crash
 * releases it with the connection.
 */
export async function withParticipantAccessLock<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  let unlocked = false;
  try {
    await runner.query('SELECT pg_advisory_lock($1, $2)', [...PARTICIPANT_ACCESS_LOCK]);
    try {
      return await work(dataSource.manager);
    } finally {
      unlocked = await runner.query('SELECT pg_advisory_unlock($1, $2)', [...PARTICIPANT_ACCESS_LOCK]).then(
        () => true,
        () => false,
      );
    }
  } finally {
    // A connection that may still hold the lock is closed, never pooled: closing releases it.
    const postgres = runner as unknown as { releasePostgresConnection?: (error?: Error) => Promise<void> };
    if (!unlocked && postgres.releasePostgresConnection) await postgres.releasePostgresConnection(new Error('advisory lock not released'));
    else await runner.release();
  }
}
