import { Column, CreateDateColumn, PrimaryColumn, type ValueTransformer } from 'typeorm';

/** The event's `subject` as stored: the source's own reference plus the (normalised) identifiers. */
export interface SubjectData {
  localId: string;
  nhsNumber?: string;
  niNumber?: string;
  name?: { given?: string; family?: string };
  dateOfBirth?: string;
  gender?: string;
  postcode?: string;
  uprn?: string;
}

/** Postgres `numeric` comes back as a string; amounts and measurements are numbers in the API. */
export const numeric: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

/**
 * Columns every record of a domain service has. The participant is the data controller
 * that wrote the row: every read is scoped by it, so councils served by one instance
 * never see each other's records.
 */
export abstract class RecordEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  /** Insertion order, for stable newest-first pages. */
  @Column({ type: 'bigint', insert: false, update: false })
  seq: string;

  @Column({ type: 'text' })
  participant: string;

  /** `ce_id` of the event this record published. */
  @Column({ type: 'uuid', name: 'event_id' })
  eventId: string;

  @Column({ type: 'text', name: 'subject_local_id' })
  subjectLocalId: string;

  @Column({ type: 'jsonb' })
  subject: SubjectData;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;
}

/**
 * `CREATE TABLE` for a record table: the common columns of RecordEntity followed by the
 * record's own, and the index every participant-scoped page uses.
 */
export function recordTableSql(table: string, columns: string): string[] {
  return [
    `CREATE TABLE ${table} (
      id uuid PRIMARY KEY,
      seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
      participant text NOT NULL,
      event_id uuid NOT NULL UNIQUE,
      subject_local_id text NOT NULL,
      subject jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      ${columns}
    )`,
    `CREATE INDEX ${table}_by_participant ON ${table} (participant, seq DESC)`,
  ];
}
