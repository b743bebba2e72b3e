import { eventTypeDefinitions } from '@accord/contracts';

/** What a work item says, before the inbox adds where the record came from. */
export interface WorkItemDraft {
  /** Stable machine name, e.g. `change-of-circumstances`. */
  kind: string;
  /** What someone has to do, in words. */
  summary: string;
  /** The facts the worker needs (e.g. pathway and date), taken from the shared record. */
  details: Record<string, unknown>;
}

/**
 * A released record of the event class `T` as a handler sees it: the fields it needs
 * present and valid as published; every other field as the agreement released it, so
 * absent, null, or transformed to a string (`pseudonymise`, `year-only`, `postcode-district`).
 */
export type ReceivedRecord<T, Need extends keyof T> = { [Field in Need]-?: NonNullable<T[Field]> } & {
  [Field in Exclude<keyof T, Need>]?: T[Field] | string | null;
};

/**
 * How a service turns one event type it receives into work. An inbox record is a
 * projection (the agreement's allow-list, some fields transformed), so it is checked against
 * the type's released-record schema (libs/contracts `releasedRecordSchema`) with `needs`
 * required as published, and `subject.localId`, which every inbox record must carry.
 */
export interface InboxHandler {
  readonly eventType: string;
  /** Top-level fields the work item is built from. */
  readonly needs: readonly string[];
  /** The work item, or null when this record needs no work (e.g. a community service start). */
  workItem(data: Record<string, unknown>): WorkItemDraft | null;
}

/** Every inbox record names its person by the source's own reference; the rest of `subject` depends on the agreement. */
export const INBOX_RECORD_NEEDS: readonly string[] = ['subject.localId'];

/**
 * A handler for the event type `event` defines: `needs` and `workItem`'s record are typed by
 * its data class, so a field renamed in the definition fails to compile here.
 */
export function inboxHandler<T extends object, Need extends keyof T & string>(handler: {
  event: new () => T;
  needs: readonly Need[];
  workItem(record: ReceivedRecord<T, Need>): WorkItemDraft | null;
}): InboxHandler {
  const definition = eventTypeDefinitions().find((candidate) => candidate.dataClass === handler.event);
  if (!definition) throw new Error(`${handler.event.name} is not an event type's data class`);
  return {
    eventType: definition.type,
    needs: handler.needs,
    workItem: (data) => handler.workItem(data as ReceivedRecord<T, Need>),
  };
}
