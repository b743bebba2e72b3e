import { resolve } from 'node:path';
import { ConfigurationError, loadEnvironment } from './config';
import { BaseEnvironment, DEVELOPMENT_SUBJECT_KEY_SECRET, integerSetting, participantSetting, portSetting, productionDefault, secretSetting } from './config';
import DEVELOPMENT_DEFAULTS from './development-defaults.json';

class ExampleEnvironment extends BaseEnvironment {
  @portSetting('EXAMPLE_PORT')
  EXAMPLE_PORT: number = 3999;
}

/** One secret of each kind, as the apps declare theirs. */
class SecretsEnvironment extends BaseEnvironment {
  @secretSetting('EXAMPLE_TOKEN', { minLength: 16, noWhitespace: true })
  EXAMPLE_TOKEN: string = 'example-development-token';

  @secretSetting('EXAMPLE_KEY', {
    kind: 'key',
    format: { test: (value) => value.startsWith('KEY:'), description: 'a key (KEY:…)' },
    developmentDefault: 'the development key file',
    hint: 'generate one with: make-key',
  })
  EXAMPLE_KEY: string = '';

  @secretSetting('EXAMPLE_CA_FILE', { kind: 'path', developmentDefault: '<KAFKA_TLS_DIR>/ca.crt' })
  EXAMPLE_CA_FILE: string = '';
}

/** Values a production operator would set: long enough, their own, paths of their own. */
const PRODUCTION = {
  NODE_ENV: 'production',
  ACCORD_SUBJECT_KEY_SECRET: 'subject-key-secret-of-production-0123456789',
  KAFKA_TLS_DIR: '/run/secrets/kafka',
  EXAMPLE_TOKEN: 'production-admin-token-0123456789abcdef',
  EXAMPLE_KEY: 'KEY:production',
  EXAMPLE_CA_FILE: '/run/secrets/ca.crt',
};

function problemsOf(environmentClass: new () => object, environment: Record<string, string>): string {
  try {
    loadEnvironment(environmentClass, environment);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).message;
  }
  return '';
}

describe('loadEnvironment', () => {
  it('uses the documented defaults when nothing is set', () => {
    const settings = loadEnvironment(ExampleEnvironment, {});
    expect(settings).toEqual({
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      ACCORD_API_DOCS: 'on',
      KAFKA_BROKERS: '127.0.0.1:9092',
      KAFKA_TLS_DIR: '.run/pki',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/accord',
      LOG_LEVEL: 'info',
      ACCORD_AUTH_FAILURES_PER_MINUTE: 30,
      ACCORD_SUBJECT_KEY_SECRET: DEVELOPMENT_SUBJECT_KEY_SECRET,
      EXAMPLE_PORT: 3999,
    });
  });

  it('reads and converts what is set, and ignores the rest of the environment', () => {
    const settings = loadEnvironment(ExampleEnvironment, { EXAMPLE_PORT: '4100', KAFKA_BROKERS: 'k1:9092,k2:9092', PATH: '/bin' });
    expect(settings.EXAMPLE_PORT).toBe(4100);
    expect(settings.KAFKA_BROKERS).toBe('k1:9092,k2:9092');
    expect(settings).not.toHaveProperty('PATH');
  });

  it('names every malformed setting at once, without echoing any value', () => {
    const secret = 'short-secret';
    let error: unknown;
    try {
      loadEnvironment(ExampleEnvironment, { EXAMPLE_PORT: 'eighty', KAFKA_BROKERS: 'nohost', DATABASE_URL: 'mysql://x', ACCORD_SUBJECT_KEY_SECRET: secret });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const message = (error as ConfigurationError).message;
    for (const name of ['EXAMPLE_PORT', 'KAFKA_BROKERS', 'DATABASE_URL', 'ACCORD_SUBJECT_KEY_SECRET']) expect(message).toContain(name);
    expect(message).not.toContain(secret);
    expect(message.split('\n')).toHaveLength(1);
  });

  it('knows only development, test and production: a misspelt production is refused, not treated as development', () => {
    expect(loadEnvironment(ExampleEnvironment, { NODE_ENV: 'test' }).NODE_ENV).toBe('test');
    for (const typo of ['prod', 'Production', 'staging']) {
      expect(problemsOf(ExampleEnvironment, { NODE_ENV: typo })).toContain('NODE_ENV must be one of development, test, production');
    }
  });

  it('listens on 127.0.0.1 unless HOST names another address or host name', () => {
    for (const host of ['0.0.0.0', '::', '::1', '10.1.2.3', 'localhost', 'hub-api.internal']) {
      expect(loadEnvironment(ExampleEnvironment, { HOST: host }).HOST).toBe(host);
    }
    for (const host of ['0.0.0.0:3000', 'http://x', 'two words', '-leading']) {
      expect(problemsOf(ExampleEnvironment, { HOST: host })).toContain('HOST must be an IP address or a host name');
    }
  });

  it('serves API docs by default outside production and not in production, unless ACCORD_API_DOCS says', () => {
    const production = { ...PRODUCTION };
    expect(loadEnvironment(SecretsEnvironment, {}).ACCORD_API_DOCS).toBe('on');
    expect(loadEnvironment(SecretsEnvironment, { NODE_ENV: 'test' }).ACCORD_API_DOCS).toBe('on');
    expect(loadEnvironment(SecretsEnvironment, { ACCORD_API_DOCS: 'off' }).ACCORD_API_DOCS).toBe('off');
    expect(loadEnvironment(SecretsEnvironment, production).ACCORD_API_DOCS).toBe('off');
    expect(loadEnvironment(SecretsEnvironment, { ...production, ACCORD_API_DOCS: 'on' }).ACCORD_API_DOCS).toBe('on');
    expect(problemsOf(SecretsEnvironment, { ACCORD_API_DOCS: 'yes' })).toContain('ACCORD_API_DOCS must be on or off');
  });

  it('applies production defaults declared anywhere in the class hierarchy', () => {
    class Inheriting extends ExampleEnvironment {
      @productionDefault('quiet')
      EXAMPLE_MODE: string = 'loud';
    }
    expect(loadEnvironment(Inheriting, {})).toMatchObject({ EXAMPLE_MODE: 'loud', ACCORD_API_DOCS: 'on' });
    expect(loadEnvironment(Inheriting, { ...PRODUCTION })).toMatchObject({ EXAMPLE_MODE: 'quiet', ACCORD_API_DOCS: 'off' });
  });
});

class BoundedEnvironment extends BaseEnvironment {
  @integerSetting('EXAMPLE_LIMIT', 1, 100)
  EXAMPLE_LIMIT: number = 10;

  @participantSetting('EXAMPLE_PARTICIPANT')
  EXAMPLE_PARTICIPANT: string = 'southampton.adult-social-care';

  @participantSetting('EXAMPLE_PARTICIPANTS', { list: true })
  EXAMPLE_PARTICIPANTS: string = 'southampton.revenues-benefits,dorset.revenues-benefits';
}

describe('integerSetting and participantSetting', () => {
  it('accept whole numbers within bounds and participant ids (one, or a comma-separated list)', () => {
    expect(loadEnvironment(BoundedEnvironment, { EXAMPLE_LIMIT: '100', EXAMPLE_PARTICIPANT: 'hiow-icb.analytics', EXAMPLE_PARTICIPANTS: 'a.b,c-d.e' })).toMatchObject({
      EXAMPLE_LIMIT: 100,
      EXAMPLE_PARTICIPANT: 'hiow-icb.analytics',
      EXAMPLE_PARTICIPANTS: 'a.b,c-d.e',
    });
  });

  it('refuse the rest, naming each setting and never its value', () => {
    const error = (() => {
      try {
        loadEnvironment(BoundedEnvironment, { EXAMPLE_LIMIT: '1.5', EXAMPLE_PARTICIPANT: 'Southampton.ASC', EXAMPLE_PARTICIPANTS: 'a.b,,c.d' });
      } catch (thrown) {
        return thrown as ConfigurationError;
      }
      throw new Error('expected a ConfigurationError');
    })();
    expect(error.message).toContain('EXAMPLE_LIMIT must be a whole number from 1 to 100');
    expect(error.message).toContain('EXAMPLE_PARTICIPANT must be a participant id <org>.<system>');
    expect(error.message).toContain('EXAMPLE_PARTICIPANTS must be a comma-separated list of participant ids <org>.<system>');
    expect(error.message).not.toContain('Southampton.ASC');
  });
});

describe('secretSetting', () => {
  it('outside production, uses the development defaults and checks only the form', () => {
    expect(loadEnvironment(SecretsEnvironment, {})).toMatchObject({ EXAMPLE_TOKEN: 'example-development-token', EXAMPLE_KEY: '', EXAMPLE_CA_FILE: '' });
    expect(problemsOf(SecretsEnvironment, { EXAMPLE_TOKEN: 'short' })).toBe('invalid configuration: EXAMPLE_TOKEN must be at least 16 characters without spaces');
    expect(problemsOf(SecretsEnvironment, { EXAMPLE_TOKEN: 'a token with spaces in it' })).toContain('EXAMPLE_TOKEN must be at least 16 characters without spaces');
    expect(problemsOf(SecretsEnvironment, { EXAMPLE_KEY: 'not-a-key' })).toBe('invalid configuration: EXAMPLE_KEY must be a key (KEY:…)');
  });

  it('in production, loads values of its own', () => {
    expect(loadEnvironment(SecretsEnvironment, PRODUCTION)).toMatchObject({ ...PRODUCTION, HOST: '127.0.0.1', ACCORD_API_DOCS: 'off' });
  });

  it('in production, refuses every development default and names them all on one line, never a value', () => {
    const message = problemsOf(SecretsEnvironment, { NODE_ENV: 'production' });
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toContain('ACCORD_SUBJECT_KEY_SECRET must not be a development default in production');
    expect(message).toContain('KAFKA_TLS_DIR must not be a development default in production');
    expect(message).toContain('EXAMPLE_TOKEN must not be a development default in production');
    expect(message).toContain('EXAMPLE_KEY must be set in production (generate one with: make-key)');
    expect(message).toContain('EXAMPLE_CA_FILE must be set in production (outside production it defaults to <KAFKA_TLS_DIR>/ca.crt)');
    for (const value of [DEVELOPMENT_SUBJECT_KEY_SECRET, 'example-development-token', '.run/pki']) expect(message).not.toContain(value);
  });

  it('in production, refuses any shared development default for any secret, not only its own', () => {
    for (const value of Object.entries(DEVELOPMENT_DEFAULTS).filter(([key]) => key !== 'comment').map(([, value]) => value)) {
      const message = problemsOf(SecretsEnvironment, { ...PRODUCTION, EXAMPLE_TOKEN: value, ACCORD_SUBJECT_KEY_SECRET: value });
      expect(message.replace('invalid configuration: ', '').split('; ').sort()).toEqual([
        'ACCORD_SUBJECT_KEY_SECRET must not be a development default in production',
        'EXAMPLE_TOKEN must not be a development default in production',
      ]);
    }
  });

  it('in production, refuses the development PKI however its path is spelt', () => {
    for (const spelling of ['.run/pki', './.run/pki/', resolve('.run/pki'), `${resolve('.run')}/../.run/pki`]) {
      expect(problemsOf(SecretsEnvironment, { ...PRODUCTION, KAFKA_TLS_DIR: spelling })).toBe(
        'invalid configuration: KAFKA_TLS_DIR must not be a development default in production',
      );
    }
  });

  it('in production, asks for at least 32 characters of every secret (and keeps its own rules)', () => {
    const message = problemsOf(SecretsEnvironment, { ...PRODUCTION, EXAMPLE_TOKEN: 'x'.repeat(31), ACCORD_SUBJECT_KEY_SECRET: 'y'.repeat(31) });
    expect(message).toContain('EXAMPLE_TOKEN must be at least 32 characters without spaces in production');
    expect(message).toContain('ACCORD_SUBJECT_KEY_SECRET must be at least 32 characters in production');
    expect(message).not.toMatch(/xxx|yyy/);
    expect(problemsOf(SecretsEnvironment, { ...PRODUCTION, EXAMPLE_TOKEN: 'x'.repeat(32), ACCORD_SUBJECT_KEY_SECRET: 'y'.repeat(32) })).toBe('');
    expect(problemsOf(SecretsEnvironment, { ...PRODUCTION, EXAMPLE_TOKEN: `${'x'.repeat(32)} y` })).toContain('without spaces in production');
    expect(problemsOf(SecretsEnvironment, { ...PRODUCTION, EXAMPLE_KEY: 'KEY:but-short-is-fine-for-a-key' })).toBe('');
    expect(problemsOf(SecretsEnvironment, { ...PRODUCTION, EXAMPLE_KEY: 'x'.repeat(40) })).toBe('invalid configuration: EXAMPLE_KEY must be a key (KEY:…)');
  });

  it('refuses a path with a NUL byte or longer than PATH_MAX', () => {
    expect(problemsOf(SecretsEnvironment, { EXAMPLE_CA_FILE: 'a\0b' })).toContain('EXAMPLE_CA_FILE must be a path of at most 4096 characters');
    expect(problemsOf(SecretsEnvironment, { EXAMPLE_CA_FILE: `/${'a'.repeat(4096)}` })).toContain('EXAMPLE_CA_FILE must be a path');
  });
});
