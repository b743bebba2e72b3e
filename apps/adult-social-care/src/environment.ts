import { participantSetting, portSetting } from '@accord/platform';
import { DomainServiceEnvironment } from '@accord/domain-service';

export class AdultSocialCareEnvironment extends DomainServiceEnvironment {
  @portSetting('ASC_PORT')
  ASC_PORT: number = 3001;

  /** The controller this service writes records for and publishes as. */
  @participantSetting('ASC_PARTICIPANT')
  ASC_PARTICIPANT: string = 'southampton.adult-social-care';
}
