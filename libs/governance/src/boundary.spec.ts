// The purity of libs/governance (and libs/audit-chain) is a checked fact: dependency-cruiser
// runs the repository's .dependency-cruiser.js rules over the source. dependency-cruiser is
// ESM-only and jest runs CommonJS, so the cruise runs in a child Node process.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPOSITORY = resolve(__dirname, '../../..');
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

describe('the pure-library boundary', () => {
  jest.setTimeout(120_000);

  it('holds for libs/governance: no Nest, TypeORM, kafkajs, pg or I/O built-ins', () => {
    const outcome = cruise(REPOSITORY, ['libs/governance/src']);
    expect(outcome.modules).toEqual(expect.arrayContaining(['libs/governance/src/evaluate.ts', 'libs/governance/src/index.ts']));
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
});
