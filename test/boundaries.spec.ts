// The boundaries of docs/development.md, "Dependency boundaries", are checked facts:
// dependency-cruiser runs the repository's .dependency-cruiser.js rules over the source
// (pure libs, imports pointing down, apps and features apart, libs/testing for tests only).
// dependency-cruiser is ESM-only and jest runs CommonJS, so the cruise runs in a child Node
// process.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPOSITORY = resolve(__dirname, '..');
const CONFIG = join(REPOSITORY, '.dependency-cruiser.js');

const CRUISE = `
import { cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
const [config, tsconfig, ...targets] = JSON.parse(process.env.CRUISE_ARGUMENTS);
const options = await extractDepcruiseOptions(config);
const result = await cruise(targets, { ...options, validate: true }, undefined, { tsConfig: extractTSConfig(tsconfig) });
const { summary, modules } = result.output;
process.stdout.write(JSON.stringify({
  violations: summary.violations.map(({ from, to, rule }) => ({ from, to, rule: rule.name })),
  modules: modules.map((module) => module.source),
}));
`;

interface CruiseOutcome {
  violations: Array<{ from: string; to: string; rule: string }>;
  modules: string[];
}

/** Cruises `targets` (relative to `root`) with the repository's rules. */
function cruise(root: string, targets: string[]): CruiseOutcome {
  const output = execFileSync(process.execPath, ['--input-type=module', '--eval', CRUISE], {
    cwd: root,
    env: { ...process.env, CRUISE_ARGUMENTS: JSON.stringify([CONFIG, join(root, 'tsconfig.json'), ...targets]) },
    encoding: 'utf8',
    timeout: 110_000,
  });
  return JSON.parse(output) as CruiseOutcome;
}

describe('the boundaries between libs, apps and features', () => {
  jest.setTimeout(120_000);

  it('hold for the whole repository', () => {
    const outcome = cruise(REPOSITORY, ['apps', 'libs', 'test']);
    expect(outcome.modules).toEqual(expect.arrayContaining(['libs/governance/src/evaluate.ts', 'apps/hub-api/src/main.ts', 'libs/platform/src/index.ts']));
    expect(outcome.violations).toEqual([]);
  });

  it('is enforced: a governance file importing kafkajs, Nest, node:fs or another lib is reported', () => {
    // A copy of the repository layout in a temporary directory, with the real node_modules,
    // so the forbidden packages resolve exactly as they would in the repository.
    const root = mkdtempSync(join(tmpdir(), 'accord-boundary-'));
    try {
      mkdirSync(join(root, 'libs/governance/src'), { recursive: true });
      mkdirSync(join(root, 'libs/platform/src'), { recursive: true });
      symlinkSync(join(REPOSITORY, 'node_modules'), join(root, 'node_modules'), 'dir');
      writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { baseUrl: '.' } }));
      writeFileSync(join(root, 'libs/platform/src/index.ts'), 'export const platform = 1;\n');
      writeFileSync(
        join(root, 'libs/governance/src/leak.ts'),
        [
          "import { Kafka } from 'kafkajs';",
          "import { Injectable } from '@nestjs/common';",
          "import { readFileSync } from 'node:fs';",
          "import { platform } from '../../platform/src';",
          'export const leak = [Kafka, Injectable, readFileSync, platform];',
          '',
        ].join('\n'),
      );
      // A spec file may do I/O: the rules cover production code only.
      writeFileSync(join(root, 'libs/governance/src/leak.spec.ts'), "import { readFileSync } from 'node:fs';\nexport const ok = readFileSync;\n");

      const outcome = cruise(root, ['libs/governance/src']);
      const reported = outcome.violations.map(({ from, to, rule }) => `${from} -> ${to} (${rule})`).sort();
      // The symlinked node_modules resolves to its real path, so match the end of the path.
      expect(reported).toEqual([
        expect.stringMatching(/^libs\/governance\/src\/leak\.ts -> .*node_modules\/@nestjs\/common\/index\.js \(pure-libs-no-frameworks-or-io\)$/),
        expect.stringMatching(/^libs\/governance\/src\/leak\.ts -> .*node_modules\/kafkajs\/index\.js \(pure-libs-no-frameworks-or-io\)$/),
        'libs/governance/src/leak.ts -> fs (pure-libs-no-io-builtins)',
        'libs/governance/src/leak.ts -> libs/platform/src/index.ts (pure-libs-only-pure-neighbours)',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('is enforced: a lib importing an app, an app another app, platform importing Kafka, a feature another feature\'s service, production code libs/testing', () => {
    const root = mkdtempSync(join(tmpdir(), 'accord-boundary-'));
    try {
      const files: Record<string, string> = {
        'libs/platform/src/index.ts': "import { Kafka } from 'kafkajs';\nimport { kafka } from '../../kafka/src';\nexport const platform = [Kafka, kafka];\n",
        'libs/kafka/src/index.ts': "import { app } from '../../../apps/one/src/main';\nexport const kafka = app;\n",
        'libs/testing/src/index.ts': 'export const testing = 1;\n',
        'apps/one/src/main.ts': "import { two } from '../../two/src/main';\nimport { testing } from '../../../libs/testing/src';\nexport const app = [two, testing];\n",
        'apps/two/src/main.ts': 'export const two = 2;\n',
        'apps/one/src/orders/orders.service.ts': "import { Billing } from '../billing/billing.service';\nimport { BillingModule } from '../billing/billing.module';\nexport const orders = [Billing, BillingModule];\n",
        'apps/one/src/billing/billing.service.ts': 'export class Billing {}\n',
        'apps/one/src/billing/billing.module.ts': 'export class BillingModule {}\n',
        // Tests may start another app and use libs/testing.
        'apps/one/test/one.int-spec.ts': "import { two } from '../../two/src/main';\nimport { testing } from '../../../libs/testing/src';\nexport const ok = [two, testing];\n",
      };
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(join(root, file, '..'), { recursive: true });
        writeFileSync(join(root, file), text);
      }
      symlinkSync(join(REPOSITORY, 'node_modules'), join(root, 'node_modules'), 'dir');
      writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { baseUrl: '.' } }));

      const outcome = cruise(root, ['apps', 'libs']);
      const reported = outcome.violations.map(({ from, to, rule }) => `${from} -> ${to} (${rule})`).sort();
      expect(reported).toEqual([
        'apps/one/src/main.ts -> apps/two/src/main.ts (apps-not-other-apps)',
        'apps/one/src/main.ts -> libs/testing/src/index.ts (only-tests-use-testing)',
        'apps/one/src/orders/orders.service.ts -> apps/one/src/billing/billing.service.ts (features-not-other-features-internals)',
        'libs/kafka/src/index.ts -> apps/one/src/main.ts (libs-not-apps)',
        expect.stringMatching(/^libs\/platform\/src\/index\.ts -> .*node_modules\/kafkajs\/index\.js \(platform-no-persistence-or-kafka\)$/),
        'libs/platform/src/index.ts -> libs/kafka/src/index.ts (platform-no-persistence-or-kafka)',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
