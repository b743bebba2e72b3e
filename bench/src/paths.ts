import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root, whether this file runs from bench/src (jest) or bench/.build/bench/src (bench/run.js). */
export const REPOSITORY_ROOT = ((): string => {
  for (let directory = __dirname; directory !== dirname(directory); directory = dirname(directory)) {
    if (existsSync(join(directory, 'bench/run.js')) && existsSync(join(directory, 'package.json'))) return directory;
  }
  throw new Error('bench: cannot find the repository root');
})();
