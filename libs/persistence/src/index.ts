/** Postgres for Accord: the one DataSource options object, database creation and locked migrations, and the hub's shared schema. */
export * from './database';
export * from './hub';
export * from './nest';
