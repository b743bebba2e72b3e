import { Type } from 'class-transformer';
import { IsInt, Max, Min, ValidateBy } from 'class-validator';
import { BaseEnvironment } from '@accord/platform';

/** An http(s) URL with no credentials, query or fragment: a base that API paths are appended to. */
function hubUrlSetting(name: string) {
  return ValidateBy({
    name: 'isHubUrl',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string' || value.length > 2048) return false;
        try {
          const url = new URL(value);
          return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password && !url.search && !url.hash;
        } catch {
          return false;
        }
      },
      defaultMessage: () => `${name} must be an http(s) URL such as http://127.0.0.1:3000, without credentials, query or fragment`,
    },
  });
}

/** Settings every domain service has on top of the base ones. */
export class DomainServiceEnvironment extends BaseEnvironment {
  /** How long published outbox rows are kept (for diagnosis) before they are purged. */
  @Type(() => Number)
  @IsInt({ message: 'OUTBOX_RETENTION_HOURS must be a whole number of hours' })
  @Min(1, { message: 'OUTBOX_RETENTION_HOURS must be between 1 and 8760' })
  @Max(8760, { message: 'OUTBOX_RETENTION_HOURS must be between 1 and 8760' })
  OUTBOX_RETENTION_HOURS: number = 168;

  /**
   * hub-api's base URL (http or https; a path prefix is kept). The service reads the
   * token-signing keys from `/.well-known/jwks.json` and the revoked tokens from
   * `/v1/tokens/revocations` there, about once a second; while the list cannot be read for
   * over 5 s, every authenticated request is answered 503. Nothing secret travels on it,
   * but whoever can alter the answers can mint tokens (a key of their own) or hide a
   * revocation: plain http suits a network only the hub and the services share
   * (docker-compose's `http://hub-api:3000`); use https across any other.
   */
  @hubUrlSetting('ACCORD_HUB_URL')
  ACCORD_HUB_URL: string = 'http://127.0.0.1:3000';
}
