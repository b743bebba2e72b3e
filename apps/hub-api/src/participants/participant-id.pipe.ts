import { Injectable, type PipeTransform } from '@nestjs/common';
import { isParticipantId } from '@accord/contracts';
import { InvalidRequest } from '@accord/platform';

/** A participant id in the path: `<org>.<system>`, lower-case `[a-z0-9-]` parts. */
@Injectable()
export class ParticipantIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isParticipantId(value)) {
      throw new InvalidRequest([{ path: 'id', problem: 'must be <org>.<system>, lower-case letters, digits and hyphens' }]);
    }
    return value;
  }
}
