import { Matches } from 'class-validator';
import { PARTICIPANT_SETTING, portSetting } from '@accord/platform';
import { DomainServiceEnvironment } from '@accord/domain-service';

export class PublicHealthEnvironment extends DomainServiceEnvironment {
  @portSetting('PH_PORT')
  PH_PORT: number = 3002;

  /** The controller this service writes records for and publishes as. */
  @Matches(PARTICIPANT_SETTING, { message: 'PH_PARTICIPANT must be a participant id <org>.<system>' })
  PH_PARTICIPANT: string = 'hampshire.public-health';
}
