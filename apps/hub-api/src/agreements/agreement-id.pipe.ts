import { Injectable, type PipeTransform } from '@nestjs/common';
import { AGREEMENT_ID } from '@accord/governance';
import { InvalidRequest } from '@accord/platform';

export const MAX_AGREEMENT_ID_LENGTH = 100;

/** An agreement id in the path: 1–100 characters of `[a-z0-9-]` (docs/contract.md, "Agreements"). */
@Injectable()
export class AgreementIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || value.length > MAX_AGREEMENT_ID_LENGTH || !AGREEMENT_ID.test(value)) {
      throw new InvalidRequest([{ path: 'id', problem: `must be 1 to ${MAX_AGREEMENT_ID_LENGTH} characters of lower-case a-z, 0-9 and -` }]);
    }
    return value;
  }
}
