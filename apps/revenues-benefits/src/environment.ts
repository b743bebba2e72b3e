import { Matches } from 'class-validator';
import { portSetting } from '@accord/platform';
import { DomainServiceEnvironment } from '@accord/domain-service';

export class RevenuesBenefitsEnvironment extends DomainServiceEnvironment {
  @portSetting('RB_PORT')
  RB_PORT: number = 3003;

  /** The controllers (councils) this service writes records for and publishes as; callers name theirs. */
  @Matches(/^[a-z0-9-]+\.[a-z0-9-]+(,[a-z0-9-]+\.[a-z0-9-]+)*$/, { message: 'RB_PARTICIPANTS must be a comma-separated list of participant ids <org>.<system>' })
  RB_PARTICIPANTS: string = 'southampton.revenues-benefits,dorset.revenues-benefits';
}
