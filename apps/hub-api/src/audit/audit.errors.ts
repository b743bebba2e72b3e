import { HttpStatus } from '@nestjs/common';
import { AccordError } from '@accord/platform';

/** The stable codes of the audit area. Messages name seqs and ids, never personal data. */
export enum AuditErrorCode {
  DecisionNotFound = 'decision-not-found',
  ChainBroken = 'audit-chain-broken',
}

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
