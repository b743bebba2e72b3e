import { ConfigurationError, loadEnvironment } from '@accord/platform';
import { SharingBrokerEnvironment } from './environment';

describe('SharingBrokerEnvironment', () => {
  it('has working defaults', () => {
    const settings = loadEnvironment(SharingBrokerEnvironment, {});
    expect(settings).toMatchObject({
      BROKER_GROUP_ID: 'accord-sharing-broker',
      BROKER_MAX_BATCH_BYTES: 262144,
      BROKER_MAX_FETCH_BYTES: 2097152,
      BROKER_SESSION_TIMEOUT_MS: 30000,
    });
    expect(new RegExp(settings.BROKER_TOPIC_PATTERN).test('accord.events.uhs.discharge-hub')).toBe(true);
  });

  it('reads numbers from strings and refuses malformed settings, all at once', () => {
    expect(loadEnvironment(SharingBrokerEnvironment, { BROKER_MAX_WAIT_MS: '250' }).BROKER_MAX_WAIT_MS).toBe(250);
    let error: unknown;
    try {
      loadEnvironment(SharingBrokerEnvironment, { BROKER_GROUP_ID: 'has spaces', BROKER_TOPIC_PATTERN: '([', BROKER_MAX_WAIT_MS: 'soon' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('BROKER_GROUP_ID'),
        expect.stringContaining('BROKER_TOPIC_PATTERN'),
        expect.stringContaining('BROKER_MAX_WAIT_MS'),
      ]),
    );
  });
});
