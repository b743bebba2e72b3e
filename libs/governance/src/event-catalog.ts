import { EVENT_TYPES, fieldsOf, mayPublish } from '@accord/contracts';
import { createEventTypeCatalog, type EventTypeCatalog } from './catalog';

/** The engine's view of the contracts' event catalogue, indexed once per process: the one every app decides and validates with. */
export const EVENT_CATALOG: EventTypeCatalog = createEventTypeCatalog({ eventTypes: EVENT_TYPES, fieldsOf, mayPublish });
