// The public contract of Accord (docs/contract.md, docs/domain.md) as code: identifiers, participants and topics, event data classes and the CloudEvents envelope every app reads and writes.
export * from './problems';
export * from './formats';
export * from './identifiers';
export * from './participants';
export * from './event-catalog';
export * from './events';
export * from './schema';
export * from './bounds';
export * from './envelope';
export * from './dead-letter';
export * from './consent-notice';
export * from './canonical-json';
