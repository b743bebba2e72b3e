/**
 * "Production refuses development secrets", for each of the five apps: with
 * NODE_ENV=production an app's environment does not load while any secret it uses is
 * unset, a development default or shorter than 32 characters, and the one error names
 * every such secret (never a value); with values of production's own it loads, API docs off.
 */
import { generateDevelopmentKeyPair } from '@accord/audit-chain';
import { ConfigurationError, DEVELOPMENT_DEFAULTS, loadEnvironment } from '@accord/platform';
import { AdultSocialCareEnvironment } from '../apps/adult-social-care/src/environment';
import { HubApiEnvironment } from '../apps/hub-api/src/environment';
import { PublicHealthEnvironment } from '../apps/public-health/src/environment';
import { RevenuesBenefitsEnvironment } from '../apps/revenues-benefits/src/environment';
import { SharingBrokerEnvironment } from '../apps/sharing-broker/src/environment';

/** Secrets every app uses, with production values of its own. */
const SHARED = {
  ACCORD_SUBJECT_KEY_SECRET: 'production-subject-key-secret-0123456789abcdef',
  KAFKA_TLS_DIR: '/run/secrets/kafka',
};

const APPS: Array<{ app: string; environmentClass: new () => object; secrets: Record<string, string> }> = [
  {
    app: 'hub-api',
    environmentClass: HubApiEnvironment,
    secrets: {
      ...SHARED,
      ACCORD_ADMIN_TOKEN: 'production-admin-token-0123456789abcdef',
      AUDIT_SIGNING_KEY: generateDevelopmentKeyPair().privateKeyPem,
      ACCORD_TOKEN_SIGNING_KEY: generateDevelopmentKeyPair().privateKeyPem,
      ACCORD_CA_CERT_FILE: '/run/secrets/accord-ca.crt',
      ACCORD_CA_KEY_FILE: '/run/secrets/accord-ca.key',
    },
  },
  {
    app: 'sharing-broker',
    environmentClass: SharingBrokerEnvironment,
    secrets: { ...SHARED, ACCORD_PSEUDONYMISATION_SECRET: 'production-pseudonymisation-secret-0123456789' },
  },
  { app: 'adult-social-care', environmentClass: AdultSocialCareEnvironment, secrets: SHARED },
  { app: 'public-health', environmentClass: PublicHealthEnvironment, secrets: SHARED },
  { app: 'revenues-benefits', environmentClass: RevenuesBenefitsEnvironment, secrets: SHARED },
];

/** Secrets that are the secret itself (not a key or a path): production asks for 32 characters. */
const TEXT_SECRETS = ['ACCORD_SUBJECT_KEY_SECRET', 'ACCORD_ADMIN_TOKEN', 'ACCORD_PSEUDONYMISATION_SECRET'];

function problemsOf(environmentClass: new () => object, environment: Record<string, string>): string[] {
  try {
    loadEnvironment(environmentClass, environment);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    const message = (error as ConfigurationError).message;
    expect(message.split('\n')).toHaveLength(1);
    return (error as ConfigurationError).problems;
  }
  return [];
}

/** Every production value (and development default) a message must never contain. */
function expectNoValueIn(problems: string[], values: string[]): void {
  const line = problems.join('; ');
  for (const value of values.filter((value) => value.length >= 8)) expect(line).not.toContain(value);
}

describe.each(APPS)('$app in production', ({ environmentClass, secrets }) => {
  const production = { NODE_ENV: 'production', ...secrets };
  const developmentValues = Object.values(DEVELOPMENT_DEFAULTS);

  it('starts with secrets of its own, and serves no API docs unless told to', () => {
    expect(problemsOf(environmentClass, production)).toEqual([]);
    expect(loadEnvironment(environmentClass, production)).toMatchObject({ NODE_ENV: 'production', ACCORD_API_DOCS: 'off', ...secrets });
  });

  it('still starts outside production with nothing set (npm start)', () => {
    expect(problemsOf(environmentClass, {})).toEqual([]);
    expect(problemsOf(environmentClass, { NODE_ENV: 'test' })).toEqual([]);
  });

  it.each(Object.keys(secrets))('refuses %s when it is left to its development default, naming it alone', (name) => {
    const unset = { ...production } as Record<string, string>;
    delete unset[name];
    const problems = problemsOf(environmentClass, unset);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name} must (be set|not be a development default) in production`));
    // Set explicitly to the class's development default, where it has one: refused the same.
    const developmentDefault = (new environmentClass() as Record<string, unknown>)[name];
    if (typeof developmentDefault === 'string' && developmentDefault !== '') {
      expect(problemsOf(environmentClass, { ...production, [name]: developmentDefault })).toEqual([`${name} must not be a development default in production`]);
    }
    expectNoValueIn(problems, [...Object.values(secrets), ...developmentValues]);
  });

  it('names every secret left to its development default on one line', () => {
    const problems = problemsOf(environmentClass, { NODE_ENV: 'production' });
    const named = Object.keys(secrets).filter((name) => problems.some((problem) => problem.startsWith(`${name} `)));
    expect(named.sort()).toEqual(Object.keys(secrets).sort());
    expect(problems).toHaveLength(Object.keys(secrets).length);
    expectNoValueIn(problems, [...Object.values(secrets), ...developmentValues]);
  });

  it('refuses every secret shorter than 32 characters, naming each', () => {
    const short = Object.keys(secrets).filter((name) => TEXT_SECRETS.includes(name));
    const shortValues = Object.fromEntries(short.map((name, i) => [name, `${String.fromCharCode(97 + i)}`.repeat(31)]));
    const problems = problemsOf(environmentClass, { ...production, ...shortValues });
    expect(problems).toHaveLength(short.length);
    for (const name of short) expect(problems).toContainEqual(expect.stringMatching(new RegExp(`^${name} must be at least 32 characters.* in production$`)));
    expectNoValueIn(problems, Object.values(shortValues));
    const long = Object.fromEntries(short.map((name, i) => [name, `${String.fromCharCode(97 + i)}`.repeat(32)]));
    expect(problemsOf(environmentClass, { ...production, ...long })).toEqual([]);
  });
});
