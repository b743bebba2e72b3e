import { HttpStatus } from '@nestjs/common';
import { AuditChainErrorCode } from '@accord/audit-chain';
import { AccordError } from '@accord/platform';

/** The stable codes of the audit area. Messages name seqs and ids, never personal data. */
export enum AuditErrorCode {
  DecisionNotFound = 'decision-not-found',
  ChainBroken = 'audit-chain-broken',
}

/**
 * libs/audit-chain's refusals as this API answers them. A value a request brought that has
 * no canonical form is the caller's; a malformed record, head, checkpoint or key is the hub's.
 */
export const AUDIT_CHAIN_ERROR_STATUS = {
  [AuditChainErrorCode.NotCanonicalisable]: HttpStatus.UNPROCESSABLE_ENTITY,
  [AuditChainErrorCode.RecordInvalid]: HttpStatus.INTERNAL_SERVER_ERROR,
  [AuditChainErrorCode.HeadInvalid]: HttpStatus.INTERNAL_SERVER_ERROR,
  [AuditChainErrorCode.CheckpointInvalid]: HttpStatus.INTERNAL_SERVER_ERROR,
  [AuditChainErrorCode.KeyInvalid]: HttpStatus.INTERNAL_SERVER_ERROR,
} satisfies Record<AuditChainErrorCode, HttpStatus>;

export class DecisionNotFound extends AccordError {
  constructor() {
    super(AuditErrorCode.DecisionNotFound, 'No decision has this id', HttpStatus.NOT_FOUND);
  }
}

/** The chain does not verify, so it cannot be sealed (or purged): the seal would vouch for tampered rows. */
export class AuditChainBroken extends AccordError {
  constructor(
    readonly firstBrokenSeq: number,
    problem: string,
  ) {
    super(AuditErrorCode.ChainBroken, `The audit chain does not verify at seq ${firstBrokenSeq}: ${problem}`, HttpStatus.CONFLICT);
  }
}
