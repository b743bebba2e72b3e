import { participantSetting, portSetting } from '@accord/platform';
import { DomainServiceEnvironment } from '@accord/domain-service';

export class PublicHealthEnvironment extends DomainServiceEnvironment {
  @portSetting('PH_PORT')
  PH_PORT: number = 3002;

  /** The controller this service writes records for and publishes as. */
  @participantSetting('PH_PARTICIPANT')
  PH_PARTICIPANT: string = 'hampshire.public-health';
}
