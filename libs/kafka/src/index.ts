/** The Kafka plumbing every Accord app shares: the client, topic creation, and (later) the batch consumer runner and outbox relay. */
export * from './client';
export * from './access';
export * from './topics';
export * from './lazy-client';
export * from './shared-admin';
export * from './outbox';
export * from './assigner';
export * from './batch-consumer';
export * from './coalescer';
export * from './offset-committer';
export * from './partition-queues';
export * from './in-flight-budget';
export * from './record-bytes';
export * from './partitioner';
export * from './encoder-varints';
export * from './record-codec';
export * from './health';
