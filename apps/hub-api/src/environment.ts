import { IsNotEmpty, Matches } from 'class-validator';
import { BaseEnvironment, DEVELOPMENT_DEFAULTS, portSetting } from '@accord/platform';

export const DEVELOPMENT_ADMIN_TOKEN = DEVELOPMENT_DEFAULTS.adminToken;

export class HubApiEnvironment extends BaseEnvironment {
  @portSetting('HUB_API_PORT')
  HUB_API_PORT: number = 3000;

  /** The first admin token; `npm start` prints the development default. */
  @IsNotEmpty({ message: 'ACCORD_ADMIN_TOKEN must be set' })
  @Matches(/^\S{16,}$/, { message: 'ACCORD_ADMIN_TOKEN must be at least 16 characters without spaces' })
  ACCORD_ADMIN_TOKEN: string = DEVELOPMENT_ADMIN_TOKEN;
}
