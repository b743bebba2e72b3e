/** What every Accord app needs to boot: validated configuration, a redacting JSON logger, health checks and the one error format. */
export * from './config';
export * from './redaction';
export * from './logging';
export * from './errors';
export * from './health';
export * from './public-route';
export * from './bootstrap';
export * from './core-modules';
export * from './metrics';
export * from './paging';
export * from './heap';
export { default as DEVELOPMENT_DEFAULTS } from './development-defaults.json';
