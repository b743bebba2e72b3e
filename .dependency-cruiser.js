// The boundary of the pure libraries, as a checked fact (STYLE.md): the governance engine
// and the audit chain are pure functions over plain data, so they import no framework,
// no database or Kafka client, and nothing that does network or file I/O.
// Run: npx depcruise --config .dependency-cruiser.js libs
// (libs/governance/src/boundary.spec.ts runs the same rules in the unit tests.)

/** Where the rule applies: production code of the pure libs; their tests may use anything. */
const PURE_LIBS = '^libs/(governance|audit-chain)/';
const TESTS = '\\.(spec|int-spec|e2e-spec)\\.ts$|^libs/[^/]+/test/';

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
        'A pure lib stays pure only if what it imports is: it may import the other pure lib and the event ' +
        'catalogue (plain data), not other Accord libs or apps, which bring Nest and I/O with them.',
      from: { path: PURE_LIBS, pathNot: TESTS },
      to: {
        path: '^(apps|libs)/',
        pathNot: '^libs/(governance|audit-chain)/|^libs/contracts/src/event-catalog\\.ts$',
      },
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
