import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsString, Matches, Max, Min, validateSync, ValidationError } from 'class-validator';

/** Settings every Accord app needs. Each app extends this with its own. */
export class BaseEnvironment {
  /** Comma-separated `host:port` list of Kafka bootstrap brokers. */
  @Matches(/^[A-Za-z0-9.-]+:\d{1,5}(,[A-Za-z0-9.-]+:\d{1,5})*$/, {
    message: 'KAFKA_BROKERS must be a comma-separated list of host:port',
  })
  KAFKA_BROKERS: string = '127.0.0.1:9092';

  /**
   * The directory holding this app's Kafka identity: `ca.crt` (the partnership CA), and
   * `<identity>.crt` and `<identity>.key` for each identity the app uses (the hub
   * component's name, or a domain service's participant ids). `npm run kafka start` makes
   * the development ones in `.run/pki`; production mounts its own.
   */
  @IsString()
  @IsNotEmpty({ message: 'KAFKA_TLS_DIR must be set' })
  KAFKA_TLS_DIR: string = '.run/pki';

  @Matches(/^postgres(ql)?:\/\/[^\s]+$/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL: string = 'postgres://postgres@127.0.0.1:5432/accord';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
  })
  LOG_LEVEL: string = 'info';

  /** Secret for the keyed hash of personal identifiers (subjectKey); never logged. */
  @IsString()
  @IsNotEmpty({ message: 'ACCORD_SUBJECT_KEY_SECRET must be set' })
  @Matches(/^.{32,}$/, { message: 'ACCORD_SUBJECT_KEY_SECRET must be at least 32 characters' })
  ACCORD_SUBJECT_KEY_SECRET: string = DEVELOPMENT_SUBJECT_KEY_SECRET;
}

/** Development defaults let `npm start` work out of the box; production must override them. */
export const DEVELOPMENT_SUBJECT_KEY_SECRET = 'accord-development-subject-key-secret-change-me';

export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigurationError';
  }
}

function messagesOf(errors: ValidationError[]): string[] {
  return errors.flatMap((error) => Object.values(error.constraints ?? {}));
}

/**
 * Reads the environment into a validated settings object. Unset variables take the
 * class's defaults; a set but malformed one is an error, and all errors are reported
 * together. Values are never echoed: a secret may be the malformed one.
 */
export function loadEnvironment<T extends object>(
  environmentClass: new () => T,
  environment: NodeJS.ProcessEnv = process.env,
): T {
  const defined = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== undefined && value !== ''));
  const settings = plainToInstance(environmentClass, defined, { exposeDefaultValues: true });
  const errors = validateSync(settings, { skipMissingProperties: false });
  if (errors.length > 0) throw new ConfigurationError(messagesOf(errors));
  // Keep only the declared settings: the rest of the environment is not configuration.
  const declared = Object.keys(new environmentClass()) as (keyof T)[];
  return Object.fromEntries(declared.map((key) => [key, settings[key]])) as T;
}

/** Comma-separated list → trimmed, non-empty items. */
export function listSetting(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** A TCP port from the environment (strings there), validated as 1–65535. */
export function portSetting(name: string) {
  return function (target: object, propertyKey: string): void {
    Type(() => Number)(target, propertyKey);
    IsInt({ message: `${name} must be a port number` })(target, propertyKey);
    Min(1, { message: `${name} must be a port number` })(target, propertyKey);
    Max(65535, { message: `${name} must be a port number` })(target, propertyKey);
  };
}

/** A participant id `<org>.<system>`. */
export const PARTICIPANT_SETTING = /^[a-z0-9-]+\.[a-z0-9-]+$/;
