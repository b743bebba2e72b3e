import 'reflect-metadata';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { plainToInstance, Type } from 'class-transformer';
import { IsIn, IsInt, Matches, Max, Min, registerDecorator, validateSync, ValidateBy, ValidationError } from 'class-validator';
import { isParticipantId } from '@accord/contracts';
import DEVELOPMENT_DEFAULTS from './development-defaults.json';

/** Development defaults let `npm start` work out of the box; production refuses them (secretSetting). */
export const DEVELOPMENT_SUBJECT_KEY_SECRET = DEVELOPMENT_DEFAULTS.subjectKeySecret;

/** The least length of a secret or token in production (development defaults may be shorter elsewhere). */
export const PRODUCTION_SECRET_MIN_LENGTH = 32;

/** Longest path a path setting may name (Linux PATH_MAX). */
const MAX_PATH_LENGTH = 4096;

export interface SecretSettingOptions {
  /**
   * `secret` (the default): the secret itself, at least PRODUCTION_SECRET_MIN_LENGTH
   * characters in production. `key`: a private key, whose format (below) is its strength.
   * `path`: a file or directory that holds secrets (a key, a PKI), compared with the
   * development default as an absolute path.
   */
  kind?: 'secret' | 'key' | 'path';
  /** Least length everywhere (secrets); production asks for at least PRODUCTION_SECRET_MIN_LENGTH. */
  minLength?: number;
  /** No whitespace (a token that travels in an HTTP header). */
  noWhitespace?: boolean;
  /** The form a set value must have, everywhere: `<name> must be <description>` otherwise. */
  format?: { test: (value: string) => boolean; description: string };
  /**
   * What an empty value means outside production, when the app derives a default itself
   * rather than taking the class default (e.g. `<KAFKA_TLS_DIR>/ca.crt`): with it, empty is
   * valid outside production, and the production message says what it would have been.
   */
  developmentDefault?: string;
  /** How to make a production value, said when production has none (e.g. the command that generates a key). */
  hint?: string;
}

/** Every development default production refuses for any secret: the shared ones, and the setting's own class default. */
function developmentValues(object: object, propertyName: string): string[] {
  const own = (new (object.constructor as new () => Record<string, unknown>)())[propertyName];
  const shared = Object.entries(DEVELOPMENT_DEFAULTS)
    .filter(([key]) => key !== 'comment')
    .map(([, value]) => value);
  return [...shared, ...(typeof own === 'string' && own !== '' ? [own] : [])];
}

/** What is wrong with a secret setting's value, or undefined. Never includes the value. */
function secretProblem(name: string, options: SecretSettingOptions, value: unknown, object: object, propertyName: string): string | undefined {
  const production = (object as { NODE_ENV?: unknown }).NODE_ENV === 'production';
  const kind = options.kind ?? 'secret';
  if (value === undefined || value === null || value === '') {
    if (!production) return options.developmentDefault === undefined ? `${name} must be set` : undefined;
    const explanation = options.hint ?? (options.developmentDefault && `outside production it defaults to ${options.developmentDefault}`);
    return `${name} must be set in production${explanation ? ` (${explanation})` : ''}`;
  }
  if (typeof value !== 'string') return `${name} must be text`;
  if (production) {
    const same = kind === 'path' ? (known: string) => resolve(known) === resolve(value) : (known: string) => known === value;
    if (developmentValues(object, propertyName).some(same)) {
      return `${name} must not be a development default in production`;
    }
  }
  if (kind === 'path' && (value.length > MAX_PATH_LENGTH || value.includes('\0'))) return `${name} must be a path of at most ${MAX_PATH_LENGTH} characters`;
  if (options.format && !options.format.test(value)) return `${name} must be ${options.format.description}`;
  if (kind === 'secret') {
    const minLength = production ? Math.max(options.minLength ?? 1, PRODUCTION_SECRET_MIN_LENGTH) : (options.minLength ?? 1);
    const spaces = options.noWhitespace === true && /\s/.test(value);
    if (value.length < minLength || spaces) {
      return `${name} must be at least ${minLength} characters${options.noWhitespace ? ' without spaces' : ''}${production ? ' in production' : ''}`;
    }
  }
  return undefined;
}

/**
 * A secret, or where secrets are kept: the one rule for every secret of every app. In
 * production it must be set, must not be a development default (the setting's own class
 * default, or any in development-defaults.json), and a secret must have at least
 * PRODUCTION_SECRET_MIN_LENGTH characters. Outside production an unset one takes the class
 * default (or `developmentDefault`). One message per setting, naming it, never its value.
 */
export function secretSetting(name: string, options: SecretSettingOptions = {}) {
  return function (target: object, propertyName: string): void {
    registerDecorator({
      name: 'secretSetting',
      target: target.constructor,
      propertyName,
      validator: {
        validate: (value: unknown, args) => secretProblem(name, options, value, args!.object, propertyName) === undefined,
        defaultMessage: (args) => secretProblem(name, options, args!.value, args!.object, propertyName) ?? `${name} is invalid`,
      },
    });
  };
}

const PRODUCTION_DEFAULTS = Symbol('accord:production-defaults');

/**
 * The default in production, where it differs from the class default (which is the
 * development one): e.g. API docs on while developing, off in production unless set.
 */
export function productionDefault(value: string) {
  return function (target: object, propertyName: string): void {
    const inherited = (Reflect.getMetadata(PRODUCTION_DEFAULTS, target.constructor) ?? {}) as Record<string, string>;
    Reflect.defineMetadata(PRODUCTION_DEFAULTS, { ...inherited, [propertyName]: value }, target.constructor);
  };
}

function productionDefaultsOf(environmentClass: new () => object): Record<string, string> {
  return (Reflect.getMetadata(PRODUCTION_DEFAULTS, environmentClass) ?? {}) as Record<string, string>;
}

/** A host name or IP address to listen on. */
export function hostSetting(name: string) {
  return ValidateBy({
    name: 'isHost',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' &&
        (isIP(value) !== 0 || /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(value)),
      defaultMessage: () => `${name} must be an IP address or a host name`,
    },
  });
}

/** Settings every Accord app needs. Each app extends this with its own. */
export class BaseEnvironment {
  /**
   * `production` makes every secret mandatory and refuses development defaults and short
   * secrets (the Docker image sets it); it also turns API docs off unless ACCORD_API_DOCS
   * says otherwise. `development` (the default) and `test` (set by jest) do neither.
   * Anything else is refused, so that a misspelt `production` cannot relax these rules.
   */
  @IsIn(['development', 'test', 'production'], { message: 'NODE_ENV must be one of development, test, production' })
  NODE_ENV: string = 'development';

  /**
   * The address the HTTP API listens on. The default, 127.0.0.1, keeps a development
   * machine's services off its other interfaces; a container sets 0.0.0.0
   * (docker-compose.yml does).
   */
  @hostSetting('HOST')
  HOST: string = '127.0.0.1';

  /**
   * `on` serves the OpenAPI document and Swagger UI at /docs; `off` does not (404).
   * Unset: `on` outside production, `off` in production.
   */
  @IsIn(['on', 'off'], { message: 'ACCORD_API_DOCS must be on or off' })
  @productionDefault('off')
  ACCORD_API_DOCS: 'on' | 'off' = 'on';

  /** Comma-separated `host:port` list of Kafka bootstrap brokers. */
  @Matches(/^[A-Za-z0-9.-]+:\d{1,5}(,[A-Za-z0-9.-]+:\d{1,5})*$/, {
    message: 'KAFKA_BROKERS must be a comma-separated list of host:port',
  })
  KAFKA_BROKERS: string = '127.0.0.1:9092';

  /**
   * The directory holding this app's Kafka identity: `ca.crt` (the partnership CA), and
   * `<identity>.crt` and `<identity>.key` for each identity the app uses (the hub
   * component's name, or a domain service's participant ids). `npm run kafka start` makes
   * the development ones in `.run/pki`, the default; production must name its own mount.
   */
  @secretSetting('KAFKA_TLS_DIR', { kind: 'path' })
  KAFKA_TLS_DIR: string = '.run/pki';

  @Matches(/^postgres(ql)?:\/\/[^\s]+$/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL: string = 'postgres://postgres@127.0.0.1:5432/accord';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
  })
  LOG_LEVEL: string = 'info';

  /**
   * Failed bearer-token authentications one client address may make per minute; past it
   * the address is answered 429 (with Retry-After) for a minute, whatever it sends. The
   * address is the socket's peer: behind a proxy, every client shares the proxy's.
   */
  @Type(() => Number)
  @IsInt({ message: 'ACCORD_AUTH_FAILURES_PER_MINUTE must be a whole number' })
  @Min(1, { message: 'ACCORD_AUTH_FAILURES_PER_MINUTE must be between 1 and 100000' })
  @Max(100_000, { message: 'ACCORD_AUTH_FAILURES_PER_MINUTE must be between 1 and 100000' })
  ACCORD_AUTH_FAILURES_PER_MINUTE: number = 30;

  /** Secret for the keyed hash of personal identifiers (subjectKey), at least 32 characters; never logged. */
  @secretSetting('ACCORD_SUBJECT_KEY_SECRET', { minLength: 32 })
  ACCORD_SUBJECT_KEY_SECRET: string = DEVELOPMENT_SUBJECT_KEY_SECRET;
}

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
 * class's defaults (in production, the production defaults where a setting has one); a
 * set but malformed one is an error, and all errors are reported together. Values are
 * never echoed: a secret may be the malformed one.
 */
export function loadEnvironment<T extends object>(
  environmentClass: new () => T,
  environment: NodeJS.ProcessEnv = process.env,
): T {
  const defined: Record<string, string> = Object.fromEntries(
    Object.entries(environment).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
  const nodeEnv = defined.NODE_ENV ?? (new environmentClass() as { NODE_ENV?: string }).NODE_ENV;
  if (nodeEnv === 'production') {
    for (const [key, value] of Object.entries(productionDefaultsOf(environmentClass))) defined[key] ??= value;
  }
  const settings = plainToInstance(environmentClass, defined, { exposeDefaultValues: true });
  const errors = validateSync(settings, { skipMissingProperties: false });
  if (errors.length > 0) throw new ConfigurationError(messagesOf(errors));
  // Keep only the declared settings: the rest of the environment is not configuration. An
  // instance of the class, so the app can provide it by its class (EnvironmentModule).
  const declared = Object.keys(new environmentClass()) as (keyof T)[];
  return Object.assign(Object.create(environmentClass.prototype) as T, Object.fromEntries(declared.map((key) => [key, settings[key]])));
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

/** A whole-number setting within bounds (environment values are strings). */
export function integerSetting(name: string, min: number, max: number) {
  const message = `${name} must be a whole number from ${min} to ${max}`;
  return function (target: object, propertyKey: string): void {
    Type(() => Number)(target, propertyKey);
    IsInt({ message })(target, propertyKey);
    Min(min, { message })(target, propertyKey);
    Max(max, { message })(target, propertyKey);
  };
}

/** A participant id `<org>.<system>` (`isParticipantId`), or with `list`, a comma-separated list of them. */
export function participantSetting(name: string, options: { list?: boolean } = {}) {
  return ValidateBy({
    name: 'isParticipantSetting',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && (options.list ? value.split(',').every((item) => isParticipantId(item)) : isParticipantId(value)),
      defaultMessage: () =>
        options.list ? `${name} must be a comma-separated list of participant ids <org>.<system>` : `${name} must be a participant id <org>.<system>`,
    },
  });
}
