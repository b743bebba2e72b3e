// `npm run bench`: progress on stderr, the Markdown report on stdout, the full results in
// bench/results/latest.json (and a copy named after the run). See bench/README.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from './config';
import { REPOSITORY_ROOT } from './paths';
import { interrupted } from './processes';
import { progress } from './progress';
import { markdownReport } from './report';
import { runBench } from './run-bench';

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    progress(`${signal}: stopping the processes this run started and deleting its topics, groups and run database`);
    void interrupted().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const results = await runBench(config);
  const directory = join(REPOSITORY_ROOT, 'bench/results');
  mkdirSync(directory, { recursive: true });
  const json = JSON.stringify(results, null, 2) + '\n';
  const file = config.resultsFile ?? join(directory, 'latest.json');
  writeFileSync(file, json);
  writeFileSync(join(directory, `${results.runId}.json`), json);
  progress(`results written to ${file}`);
  process.stdout.write(markdownReport(results) + '\n');
  process.exitCode = results.errors.length > 0 ? 1 : 0;
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
