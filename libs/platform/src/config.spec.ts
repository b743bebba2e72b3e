import { ConfigurationError, loadEnvironment } from './config';
import { BaseEnvironment, portSetting } from './config';

class ExampleEnvironment extends BaseEnvironment {
  @portSetting('EXAMPLE_PORT')
  EXAMPLE_PORT: number = 3999;
}

describe('loadEnvironment', () => {
  it('uses the documented defaults when nothing is set', () => {
    const settings = loadEnvironment(ExampleEnvironment, {});
    expect(settings).toEqual({
      KAFKA_BROKERS: '127.0.0.1:9092',
      KAFKA_TLS_DIR: '.run/pki',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/accord',
      LOG_LEVEL: 'info',
      ACCORD_SUBJECT_KEY_SECRET: expect.any(String),
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
});
