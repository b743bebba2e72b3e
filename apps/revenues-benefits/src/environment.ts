import { participantSetting, portSetting } from '@accord/platform';
import { DomainServiceEnvironment } from '@accord/domain-service';

export class RevenuesBenefitsEnvironment extends DomainServiceEnvironment {
  @portSetting('RB_PORT')
  RB_PORT: number = 3003;

  /** The controllers (councils) this service writes records for and publishes as; callers name theirs. */
  @participantSetting('RB_PARTICIPANTS', { list: true })
  RB_PARTICIPANTS: string = 'southampton.revenues-benefits,dorset.revenues-benefits';
}
