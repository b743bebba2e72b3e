import { Matches } from 'class-validator';
import { PARTICIPANT_SETTING, portSetting } from '@accord/platform';
import { DomainServiceEnvironment } from '@accord/domain-service';

export class AdultSocialCareEnvironment extends DomainServiceEnvironment {
  @portSetting('ASC_PORT')
  ASC_PORT: number = 3001;

  /** The controller this service writes records for and publishes as. */
  @Matches(PARTICIPANT_SETTING, { message: 'ASC_PARTICIPANT must be a participant id <org>.<system>' })
  ASC_PARTICIPANT: string = 'southampton.adult-social-care';
}
