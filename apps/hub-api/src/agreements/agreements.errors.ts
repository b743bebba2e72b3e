import { HttpStatus } from '@nestjs/common';
import { AccordError, type Problem } from '@accord/platform';

/** The stable codes of the agreements area. Messages name agreement ids and rules, never personal data. */
export enum AgreementErrorCode {
  Invalid = 'agreement-invalid',
  NotFound = 'agreement-not-found',
  StateConflict = 'agreement-state-conflict',
  UnsupportedMediaType = 'unsupported-media-type',
}

/** The document breaks the rules of docs/contract.md, "Agreements": every problem is listed and nothing is stored. */
export class AgreementInvalid extends AccordError {
  constructor(problems: Problem[]) {
    super(AgreementErrorCode.Invalid, 'The agreement is invalid; nothing was stored', HttpStatus.UNPROCESSABLE_ENTITY, problems);
  }
}

export class AgreementNotFound extends AccordError {
  constructor() {
    super(AgreementErrorCode.NotFound, 'No agreement has this id', HttpStatus.NOT_FOUND);
  }
}

/** A lifecycle change that does not apply to the agreement's current status (e.g. suspending a suspended one). */
export class AgreementStateConflict extends AccordError {
  constructor(status: string, change: 'suspend' | 'resume') {
    const problem = change === 'suspend' ? 'only an active agreement can be suspended' : 'only a suspended agreement can be resumed';
    super(AgreementErrorCode.StateConflict, `The agreement is ${status}: ${problem}`, HttpStatus.CONFLICT);
  }
}

export class UnsupportedAgreementMediaType extends AccordError {
  constructor() {
    super(
      AgreementErrorCode.UnsupportedMediaType,
      'Send the agreement as application/json or application/yaml',
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    );
  }
}
