import { Type } from 'class-transformer';
import { IsDefined, IsNotEmpty, IsString, ValidateNested } from 'class-validator';

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
 * How a service turns one event type it receives into work. `shape` is a class-validator
 * class listing only the fields the work item needs: an inbox record is a projection
 * (the agreement's allow-list), so it is not checked against the full event schema.
 */
export interface InboxHandler<T extends object = any> {
  eventType: string;
  shape: new () => T;
  /** The work item, or null when this record needs no work (e.g. a community service start). */
  workItem(data: T): WorkItemDraft | null;
}

/** Every inbox record names its person by the source's own reference; the rest of `subject` depends on the agreement. */
export class InboxSubject {
  @IsString()
  @IsNotEmpty()
  localId: string;
}

/** A shape's `subject`: required, with a `localId`. */
export function InboxSubjectField(): PropertyDecorator {
  return (target, key) => {
    ValidateNested()(target, key);
    Type(() => InboxSubject)(target, key);
    IsDefined()(target, key);
  };
}
