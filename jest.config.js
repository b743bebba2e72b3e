// Three projects: unit tests beside the code, integration tests against the real Kafka
// broker and Postgres, end-to-end tests that start the apps and act as partners.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  // ESM-only packages (the CEL evaluator) are compiled to CommonJS for jest.
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(@marcbachmann/cel-js|jose)/)'],
  moduleNameMapper: { '^@accord/([a-z-]+)$': '<rootDir>/libs/$1/src' },
  setupFiles: ['reflect-metadata'],
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,test}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,test,infra}/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/libs/testing/src/timeouts.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/libs/testing/src/timeouts.ts'],
    },
  ],
};
