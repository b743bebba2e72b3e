import { IsNotEmpty, Matches } from 'class-validator';
import { BaseEnvironment, portSetting } from '@accord/platform';

export class SharingBrokerEnvironment extends BaseEnvironment {
  @portSetting('BROKER_PORT')
  BROKER_PORT: number = 3010;

  /** Master key for `pseudonymise`; each agreement derives its own key from it. */
  @IsNotEmpty({ message: 'ACCORD_PSEUDONYMISATION_SECRET must be set' })
  @Matches(/^.{32,}$/, { message: 'ACCORD_PSEUDONYMISATION_SECRET must be at least 32 characters' })
  ACCORD_PSEUDONYMISATION_SECRET: string = 'accord-development-pseudonymisation-secret-change-me';
}
