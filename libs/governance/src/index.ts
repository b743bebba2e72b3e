/** The governance engine: pure functions that validate data-sharing agreements and decide, per event and recipient, what may be shared (docs/contract.md, "Agreements", "Consent" and "Decision records and the audit chain"); no I/O, no framework. */
export * from './agreement';
export * from './catalog';
export {
  compileCondition,
  conditionProblems,
  MAX_COMPREHENSION_NESTING,
  MAX_COMPREHENSIONS,
  MAX_CONDITION_COST,
  MAX_CONDITION_DATA,
  MAX_CONDITION_LENGTH,
} from './condition';
export type { Condition, ConditionContext, ConditionFailure } from './condition';
export { MAX_PATTERN_LENGTH, MAX_PATTERN_PROGRAM_SIZE } from './re2';
export * from './consent';
export * from './decision-id';
export * from './event-catalog';
export * from './evaluate';
export * from './inspect';
export * from './parse';
export * from './project';
