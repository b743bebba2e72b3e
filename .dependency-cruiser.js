// The boundary of the pure libraries, as a checked fact (docs/development.md, "Dependency
// boundaries"): the governance engine and the audit chain are pure functions over plain
// data, so they import no framework, no database or Kafka client, and nothing that does
// network or file I/O.
// Run: npx depcruise --config .dependency-cruiser.js libs
// (test/boundaries.spec.ts runs the same rules in the unit tests.)

/** Where the rule applies: production code of the pure libs; their tests may use anything. */
const PURE_LIBS = '^libs/(governance|audit-chain)/';
/** Test code: unit, integration and end-to-end tests, and the test folders' support files. */
const TESTS = '\\.(spec|int-spec|e2e-spec|pending-spec)\\.ts$|^(libs|apps)/[^/]+/test/|^test/';

module.exports = {
  forbidden: [
    {
      name: 'pure-libs-no-frameworks-or-io',
      severity: 'error',
      comment:
        'libs/governance and libs/audit-chain are pure: no Nest, TypeORM, kafkajs or pg, and no file or network I/O. ' +
        'Pass what they need in as plain data or functions.',
      from: { path: PURE_LIBS, pathNot: TESTS },
      to: {
        // Matches the resolved path (node_modules/kafkajs/...) and an unresolved bare name (kafkajs).
        path: '(^|/node_modules/|^node_modules/)(@nestjs/[^/]+|typeorm|kafkajs|pg|pg-[a-z-]+)(/|$)',
      },
    },
    {
      name: 'pure-libs-no-io-builtins',
      severity: 'error',
      comment: 'The pure libs may use node:crypto (pure computation) but no file, network, process or thread built-ins.',
      from: { path: PURE_LIBS, pathNot: TESTS },
      to: {
        dependencyTypes: ['core'],
        path: '^(node:)?(fs|net|http|https|http2|dgram|dns|tls|child_process|cluster|worker_threads)(/|$)',
      },
    },
    {
      name: 'pure-libs-only-pure-neighbours',
      severity: 'error',
      comment:
        'A pure lib stays pure only if what it imports is: it may import the other pure lib and libs/contracts ' +
        '(the formats: envelope, bounds, event catalogue, canonical JSON), not other Accord libs or apps, which bring Nest and I/O with them.',
      from: { path: PURE_LIBS, pathNot: TESTS },
      to: {
        path: '^(apps|libs)/',
        pathNot: '^libs/(governance|audit-chain|contracts)/',
      },
    },
    {
      name: 'libs-not-apps',
      severity: 'error',
      comment: 'Imports point down: a library never imports an app. Code two apps need moves into a lib.',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'apps-not-other-apps',
      severity: 'error',
      comment: 'An app never imports another app: what both need moves into a lib.',
      // Tests may start another app (a domain service's tests run the hub-api that issues its tokens).
      from: { path: '^apps/([^/]+)/', pathNot: TESTS },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'platform-no-persistence-or-kafka',
      severity: 'error',
      comment:
        'libs/platform (environment, logger, error filter, health endpoint) does no I/O of its own: the Postgres and ' +
        'Kafka pieces live in libs/persistence and libs/kafka, and the app composes them.',
      from: { path: '^libs/platform/', pathNot: TESTS },
      to: { path: '^libs/(persistence|kafka)/|(^|/node_modules/)(typeorm|@nestjs/typeorm|kafkajs|pg)(/|$)' },
    },
    {
      name: 'features-not-other-features-internals',
      severity: 'error',
      comment:
        "A feature of an app (apps/<app>/src/<feature>/) uses another feature only through its module or its index.ts, " +
        'never its services, entities, DTOs or helpers.',
      from: { path: '^apps/([^/]+)/src/([^/]+)/', pathNot: TESTS },
      to: { path: '^apps/$1/src/[^/]+/', pathNot: ['^apps/$1/src/$2/', '^apps/$1/src/[^/]+/(index|[^/]+\\.module)\\.ts$'] },
    },
    {
      name: 'only-tests-use-testing',
      severity: 'error',
      comment: 'libs/testing (test databases, Kafka identities, development tokens) is for tests only.',
      from: { path: '^(apps|libs)/', pathNot: [TESTS, '^libs/testing/'] },
      to: { path: '^libs/testing/' },
    },
  ],
  options: {
    // doNotFollow, never exclude: excluded modules vanish from the graph, and a forbidden
    // import of node_modules/kafkajs would vanish with them.
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
