/** The governance engine: pure functions that validate data-sharing agreements and decide, per event and recipient, what may be shared (CONTRACT.md §3–§5); no I/O, no framework. */
export * from './agreement';
export * from './catalog';
export { conditionProblem, compileCondition, MAX_CONDITION_LENGTH } from './condition';
export type { Condition, ConditionContext } from './condition';
export * from './consent';
export * from './decision-id';
export * from './evaluate';
export * from './parse';
export * from './project';
