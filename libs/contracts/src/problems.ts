/** One thing wrong with an input: where (`subject.nhsNumber`, `typesOfRisk.1`, `ce_id`) and what, never the value. */
export interface Problem {
  path: string;
  problem: string;
}

/** Why the sharing broker rejects an event to `accord.dlq` (docs/contract.md, "Rejections and the dead-letter queue"). */
export type RejectionReason =
  | 'invalid-envelope'
  | 'invalid-payload'
  | 'unknown-event-type'
  | 'invalid-identifier'
  /** Anything that failed while inspecting or evaluating this one record; it never holds the batch. */
  | 'unprocessable'
  /** A `ce_id` already decided with other content. */
  | 'duplicate-id-conflict';
