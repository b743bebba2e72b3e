/** Test support: the real Kafka broker and Postgres, a database per test file, unique topics, and polling. */
export * from './environment';
export * from './database';
export * from './kafka';
export * from './network-faults';
export * from './tcp-proxy';
export * from './identities';
export * from './apps';
export * from './app-process';
export * from './topic-recorder';
export * from './openapi';
export * from './decisions';
export * from './tokens';
export * from './examples';
export * from './test-endpoint';
export * from './csv';
