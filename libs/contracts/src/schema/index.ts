export * from './event-data-schema';
export * from './compiled-validator';
export * from './asyncapi';
export * from './compatibility';
export * from './contract-documents';
export * from './released-record';
