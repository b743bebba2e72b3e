import { HttpStatus } from '@nestjs/common';
import { AccordError, type Problem } from '@accord/platform';

/** The stable codes of the consent registry. Messages never contain an identifier. */
export enum ConsentErrorCode {
  ScopeUnknown = 'consent-scope-unknown',
}

/** The scope names a recipient that is not registered or an agreement that does not exist; nothing was recorded. */
export class ConsentScopeUnknown extends AccordError {
  constructor(problems: Problem[]) {
    super(ConsentErrorCode.ScopeUnknown, 'The scope names something the hub does not know; nothing was recorded', HttpStatus.UNPROCESSABLE_ENTITY, problems);
  }
}
