import { EVENT_TYPES, fieldsOf, mayPublish } from '@accord/contracts';
import { createEventTypeCatalog, type EventTypeCatalog } from '@accord/governance';

/** The governance engine's view of the contracts' event catalogue, indexed once per process. */
export const EVENT_CATALOG: EventTypeCatalog = createEventTypeCatalog({ eventTypes: EVENT_TYPES, fieldsOf, mayPublish });
