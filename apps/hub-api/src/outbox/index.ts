/** hub-api's transactional outbox, for the features that publish through it. */
export { HubOutbox, HubOutboxModule } from './hub-outbox';
