import { ConfigurationError, loadEnvironment } from '@accord/platform';
import { DomainServiceEnvironment } from './environment';

describe('DomainServiceEnvironment ACCORD_HUB_URL', () => {
  const load = (value?: string) => loadEnvironment(DomainServiceEnvironment, value === undefined ? {} : { ACCORD_HUB_URL: value });
  const problems = (value: string) => {
    try {
      load(value);
      return [];
    } catch (error) {
      return (error as ConfigurationError).problems;
    }
  };

  it('defaults to the hub of a development machine', () => {
    expect(load().ACCORD_HUB_URL).toBe('http://127.0.0.1:3000');
  });

  it.each(['http://hub-api:3000', 'https://hub.example.org', 'https://hub.example.org/accord/', 'http://[::1]:3000'])('accepts %s', (value) => {
    expect(load(value).ACCORD_HUB_URL).toBe(value);
  });

  it.each(['hub-api:3000', 'ftp://hub.example.org', 'https://user:secret@hub.example.org', 'https://hub.example.org/?x=1', 'https://hub.example.org/#top', 'not a url'])(
    'refuses %s, naming the setting and never echoing the value',
    (value) => {
      const found = problems(value);
      expect(found).toEqual(['ACCORD_HUB_URL must be an http(s) URL such as http://127.0.0.1:3000, without credentials, query or fragment']);
    },
  );
});
