import { outboxMigration } from '@accord/kafka';
import { PartnerDelivery1764900000000 } from './delivery/delivery.migration';

/**
 * hub-api's own migration history, apart from the shared HUB_MIGRATIONS (which the broker
 * runs too): `accord.outbox` (the transactional outbox of `@accord/kafka`) and the partner
 * delivery's tables. HubOutbox runs them when the app starts.
 */
export const HUB_API_MIGRATIONS_TABLE = 'hub_api_migrations';
export const HUB_API_MIGRATIONS = [outboxMigration(1764338900000), PartnerDelivery1764900000000];
