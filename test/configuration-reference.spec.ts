/**
 * docs/configuration.md cannot drift from what the code reads. Each of its tables is
 * compared with a set derived from the source:
 * - the apps' settings: the environment classes themselves (each class that an app's
 *   main.ts or a hub-api CLI loads, instantiated: its own keys are what loadEnvironment
 *   keeps), with each setting's default, whether production requires it (loadEnvironment
 *   in production with nothing set names each required one) and which apps read it;
 * - scripts and tools, and tests: every `process.env.X`, `process.env['X']`, ProcessEnv
 *   parameter and shell `${X:-…}` read in their files;
 * - Docker: every `${X}` docker-compose.yml substitutes, what it gives the containers of the
 *   Accord image beyond the apps' settings (PGPASSWORD), and every ENV the Dockerfile sets;
 * - the benchmark's settings, whose one table is bench/README.md's Settings.
 * A failure names every variable missing from a table and every one a table names that
 * nothing reads.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { ConfigurationError, loadEnvironment } from '@accord/platform';

const ROOT = resolve(__dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The files the repository holds (not build output, local state or a scratch file of someone's). */
const TRACKED = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);

/** Tracked files under `directory` whose names match `pattern`. */
function filesUnder(directory: string, pattern: RegExp): string[] {
  return TRACKED.filter((file) => file.startsWith(`${directory}/`) && pattern.test(file.slice(file.lastIndexOf('/') + 1)));
}

const NAME = '[A-Z][A-Z0-9_]*[A-Z0-9]';

/**
 * The environment variables a JavaScript or TypeScript file reads itself: `process.env.X`,
 * `process.env['X']`, `X` of a ProcessEnv parameter (`environment.X`), and, where the file
 * reads the environment by a computed name (`process.env[name]`, `environment[name]`), every
 * string literal in it shaped like a variable name, A_B (the names it computes from).
 */
function variablesReadByScript(source: string): Set<string> {
  const names = new Set<string>();
  for (const match of source.matchAll(new RegExp(`process\\.env(?:\\.(${NAME})\\b|\\[['"](${NAME})['"]\\])`, 'g'))) names.add(match[1] ?? match[2]!);
  if (/NodeJS\.ProcessEnv/.test(source)) {
    for (const match of source.matchAll(new RegExp(`\\benvironment(?:\\.(${NAME})\\b|\\[['"](${NAME})['"]\\])`, 'g'))) names.add(match[1] ?? match[2]!);
  }
  if (/\b(process\.env|environment)\[(?!['"])/.test(source)) {
    for (const match of source.matchAll(/['"]([A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9])['"]/g)) names.add(match[1]!);
  }
  return names;
}

/** The environment variables a shell script reads with a fallback: `${X:-…}`, `${X-…}`, `${X:=…}`. */
function variablesReadByShell(source: string): Set<string> {
  return new Set([...source.matchAll(new RegExp(`\\$\\{(${NAME}):?[-=]`, 'g'))].map((match) => match[1]!));
}

function variablesReadBy(files: string[]): Map<string, string[]> {
  const readers = new Map<string, string[]>();
  for (const file of files) {
    const source = read(file);
    const names = /\.sh$|^\.ci\/run$/.test(file) ? variablesReadByShell(source) : variablesReadByScript(source);
    for (const name of names) readers.set(name, [...(readers.get(name) ?? []), file]);
  }
  return readers;
}

/**
 * Variables the tests and the benchmark read that are not Accord's configuration, each with
 * the reason: left out of their tables, and each still read (checked below). Most are set
 * by a process for a child process of its own.
 */
const NOT_SETTINGS: Record<string, string> = {
  PATH: "the operating system's search path, which tests hand on to the processes they start",
  PGPASSWORD: "test/docker-compose.spec.ts sets it, and puts back what was there, to see node-postgres read it (the Docker table documents docker-compose.yml's)",
  CRUISE_ARGUMENTS: "test/boundaries.spec.ts passes dependency-cruiser's arguments to the Node process it runs the cruise in",
  CHAOS_KAFKA_PROXIES: 'the chaos test tells each broker process it starts which fault proxy stands for which Kafka node',
  SHUTDOWN_TIMEOUT_MS: "the shutdown test sets the hanging fixture's deadline (the apps' own is the constant SHUTDOWN_TIMEOUT_MS)",
  PASSTHROUGH_SETTINGS: 'the benchmark passes the passthrough process its batch settings',
  PASSTHROUGH_GROUP_ID: 'the benchmark passes the passthrough process its consumer group',
  PASSTHROUGH_SOURCE_TOPICS: 'the benchmark passes the passthrough process its source topics',
  PASSTHROUGH_OUTPUT_TOPIC: 'the benchmark passes the passthrough process its output topic',
};

const APPS = ['hub-api', 'sharing-broker', 'adult-social-care', 'public-health', 'revenues-benefits'];
/** Shorthands the doc's "read by" column may use. */
const READER_GROUPS: Record<string, string[]> = {
  'every app': APPS,
  'domain services': ['adult-social-care', 'public-health', 'revenues-benefits'],
};

// --- the apps: their environment classes ---------------------------------------------------

type EnvironmentClass = new () => object;
interface LoadedClass {
  name: string;
  /** Who loads it: the app of a main.ts, or the package.json script that runs a CLI. */
  reader: string;
  keys: string[];
  defaults: Record<string, unknown>;
  requiredInProduction: Set<string>;
}

const APP_SOURCES = filesUnder('apps', /\.ts$/).filter((file) => /^apps\/[^/]+\/src\//.test(file) && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(file));
const LIB_SOURCES = filesUnder('libs', /\.ts$/).filter((file) => /^libs\/[^/]+\/src\//.test(file) && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(file));
const PACKAGE_SCRIPTS = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;

/** The file that declares `class <name>`. */
function declaringFile(name: string): string {
  const files = [...APP_SOURCES, ...LIB_SOURCES].filter((file) => new RegExp(`\\bclass ${name}\\b`).test(read(file)));
  expect({ name, declaredIn: files.length }).toEqual({ name, declaredIn: 1 });
  return files[0]!;
}

/**
 * The settings an environment class declares, from the class itself (its instance's keys:
 * what loadEnvironment keeps); a class its module does not export is read from its source,
 * its own properties on top of its (exported) base class's.
 */
function environmentClass(name: string): { keys: string[]; instance: Record<string, unknown>; type?: EnvironmentClass } {
  const file = declaringFile(name);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exported = (require(join(ROOT, file)) as Record<string, unknown>)[name] as EnvironmentClass | undefined;
  if (exported) {
    const instance = new exported() as Record<string, unknown>;
    return { keys: Object.keys(instance), instance, type: exported };
  }
  const source = read(file);
  const declaration = new RegExp(`^class ${name} extends (\\w+) \\{\\n([\\s\\S]*?)^\\}`, 'm').exec(source);
  expect({ name, parsed: declaration !== null }).toEqual({ name, parsed: true });
  const base = environmentClass(declaration![1]!);
  const own = [...declaration![2]!.matchAll(new RegExp(`^  (${NAME})\\s*[?!]?:[^=;]*(?:=\\s*(.*?))?;$`, 'gm'))];
  // A default written as a plain literal ('text' or 12_000); any other expression stays unknown.
  const literal = (text: string | undefined) => {
    if (text !== undefined && /^'[^'\\]*'$/.test(text)) return text.slice(1, -1);
    if (text !== undefined && /^\d[\d_]*$/.test(text)) return Number(text.replace(/_/g, ''));
    return undefined;
  };
  const instance = { ...base.instance, ...Object.fromEntries(own.map(([, key, value]) => [key!, literal(value)])) };
  return { keys: [...new Set([...base.keys, ...own.map(([, key]) => key!)])], instance };
}

/** Names each setting loadEnvironment refuses in production when nothing is set. */
function requiredInProduction(type: EnvironmentClass | undefined, keys: string[]): Set<string> {
  if (!type) return new Set();
  try {
    loadEnvironment(type, { NODE_ENV: 'production' });
    return new Set();
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    return new Set(error.problems.map((problem) => problem.split(' ')[0]!).filter((name) => keys.includes(name)));
  }
}

function loadedClasses(): LoadedClass[] {
  return APP_SOURCES.flatMap((file) =>
    [...read(file).matchAll(/\bloadEnvironment(?:OrExit)?\((?:'[^']*', )?(\w+)/g)].map(([, name]) => {
      const app = /^apps\/([^/]+)\/src\/main\.ts$/.exec(file)?.[1];
      const cli = /^apps\/([^/]+\/src\/cli\/[^/]+)\.ts$/.exec(file)?.[1];
      const scripts = cli ? Object.keys(PACKAGE_SCRIPTS).filter((script) => PACKAGE_SCRIPTS[script]!.includes(`dist/apps/${cli}.js`)) : [];
      expect({ file, reader: app ?? scripts[0] }).toEqual({ file, reader: expect.any(String) });
      const { keys, instance, type } = environmentClass(name!);
      const defaults = Object.fromEntries(keys.map((key) => [key, instance[key]]));
      return { name: name!, reader: (app ?? scripts[0])!, keys, defaults, requiredInProduction: requiredInProduction(type, keys) };
    }),
  );
}

// --- the doc -------------------------------------------------------------------------------

interface Row {
  names: string[];
  cells: string[];
}

/** The first table under the `## <heading>` of a Markdown file, its rows keyed by column title. */
function table(path: string, heading: string): { columns: string[]; rows: Row[] } {
  const text = read(path);
  const start = text.search(new RegExp(`^## ${heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  expect({ path, heading, found: start >= 0 }).toEqual({ path, heading, found: true });
  const section = text.slice(start).split(/^## /m)[1]!;
  const lines = section.split('\n').filter((line) => line.startsWith('|'));
  const cellsOf = (line: string) =>
    line
      .replace(/^\||\|$/g, '')
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim().replace(/\\\|/g, '|'));
  const [titles, , ...body] = lines;
  return {
    columns: cellsOf(titles!),
    rows: body.map((line) => {
      const cells = cellsOf(line);
      return { names: [...cells[0]!.matchAll(new RegExp(`\`(${NAME})\``, 'g'))].map((match) => match[1]!), cells };
    }),
  };
}

const DOC = 'docs/configuration.md';

/** What a table names that the code does not read, and what the code reads that the table does not name. */
function drift(documented: Iterable<string>, read: Iterable<string>): { missingFromTheDoc: string[]; documentedButNotRead: string[] } {
  const doc = new Set(documented);
  const code = new Set(read);
  return {
    missingFromTheDoc: [...code].filter((name) => !doc.has(name)).sort(),
    documentedButNotRead: [...doc].filter((name) => !code.has(name)).sort(),
  };
}

const NO_DRIFT = { missingFromTheDoc: [], documentedButNotRead: [] };

describe('docs/configuration.md', () => {
  const classes = loadedClasses();

  describe('the apps', () => {
    const { columns, rows } = table(DOC, 'The apps');
    const cell = (row: Row, title: string) => row.cells[columns.indexOf(title)]!;
    const byName = new Map(rows.map((row) => [row.names[0]!, row]));

    it("finds every app's environment class and hub-api's audit:verify", () => {
      expect(classes.map((loaded) => loaded.reader).sort()).toEqual([...APPS, 'audit:verify'].sort());
      expect(columns).toEqual(['variable', 'default', 'production', 'read by', 'what it does']);
    });

    it('names every setting of every environment class, one a row, and no other', () => {
      for (const row of rows) expect({ row: row.cells[0], names: row.names.length }).toEqual({ row: row.cells[0], names: 1 });
      expect(drift(byName.keys(), classes.flatMap((loaded) => loaded.keys))).toEqual(NO_DRIFT);
    });

    it('says which apps read each setting', () => {
      for (const [name, row] of byName) {
        const derived = [...new Set(classes.filter((loaded) => loaded.keys.includes(name)).map((loaded) => loaded.reader))].sort();
        const documented = [...new Set(cell(row, 'read by').split(',').flatMap((reader) => READER_GROUPS[reader.trim()] ?? [reader.trim()]))].sort();
        expect({ name, readBy: documented }).toEqual({ name, readBy: derived });
      }
    });

    it('marks exactly the settings production requires', () => {
      for (const [name, row] of byName) {
        const required = classes.some((loaded) => loaded.requiredInProduction.has(name));
        expect({ name, required: /\brequired\b/.test(cell(row, 'production')) }).toEqual({ name, required });
      }
    });

    it('gives the default of each setting production does not require (a secret’s is a development value)', () => {
      for (const [name, row] of byName) {
        if (classes.some((loaded) => loaded.requiredInProduction.has(name))) continue;
        const defaults = new Set(classes.filter((loaded) => loaded.keys.includes(name)).map((loaded) => loaded.defaults[name]));
        for (const value of defaults) {
          if (value === undefined) continue; // a default the source gives as an expression
          const expected = value === '' ? 'unset' : `\`${String(value)}\``;
          expect({ name, default: cell(row, 'default') }).toEqual({ name, default: expect.stringContaining(expected) });
        }
      }
    });
  });

  it('names every variable the scripts and command-line tools read, and no other', () => {
    const files = [
      ...filesUnder('scripts', /\.(js|cjs|mjs)$/),
      ...filesUnder('infra/kafka', /\.(sh|js)$/).filter((file) => !file.includes('/test/')),
      '.ci/run',
      ...APP_SOURCES.filter((file) => file.includes('/src/cli/')),
    ];
    const readers = variablesReadBy(files);
    // The CLIs' environment classes are the apps table's (audit:verify); what they read themselves is here.
    expect(drift(table(DOC, 'Scripts and command-line tools').rows.flatMap((row) => row.names), readers.keys())).toEqual(NO_DRIFT);
  });

  it("names every variable docker-compose.yml substitutes or gives an Accord container beyond the apps' settings, and every one the image sets, and no other", () => {
    const compose = read('docker-compose.yml').replace(/\$\$/g, '');
    const substituted = [...compose.matchAll(new RegExp(`\\$\\{(${NAME})`, 'g'))].map((match) => match[1]!);
    const imageSets = [...read('Dockerfile').matchAll(/^ENV ((?:\\\n|.)*)/gm)].flatMap((match) =>
      [...match[1]!.matchAll(new RegExp(`(${NAME})=`, 'g'))].map((assignment) => assignment[1]!),
    );
    expect(imageSets).toEqual(expect.arrayContaining(['NODE_ENV', 'ACCORD_APP']));
    // What the services built from the Dockerfile get that no environment class declares (PGPASSWORD, which node-postgres reads).
    const settings = new Set(classes.flatMap((loaded) => loaded.keys));
    type Service = { build?: unknown; environment?: Record<string, unknown> };
    const { services } = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
    const beyondSettings = Object.values(services)
      .filter((service) => service.build !== undefined)
      .flatMap((service) => Object.keys(service.environment ?? {}))
      .filter((name) => !settings.has(name));
    expect(beyondSettings).toContain('PGPASSWORD');
    const { columns, rows } = table(DOC, 'Docker');
    expect(drift(rows.flatMap((row) => row.names), [...substituted, ...imageSets, ...beyondSettings])).toEqual(NO_DRIFT);
    // Required there is compose's ${X:?message}: compose refuses to start without it.
    for (const row of rows) {
      const name = row.names[0]!;
      const required = new RegExp(`\\$\\{${name}:\\?`).test(compose);
      expect({ name, required: /\brequired\b/.test(row.cells[columns.indexOf('compose')]!) }).toEqual({ name, required });
    }
  });

  it('names every variable the tests and their helpers read, and no other', () => {
    const files = [
      ...filesUnder('libs/testing/src', /\.ts$/),
      ...[...filesUnder('apps', /\.(ts|cjs|js)$/), ...filesUnder('libs', /\.(ts|cjs|js)$/), ...filesUnder('test', /\.(ts|js)$/), ...filesUnder('infra', /\.ts$/)].filter(
        (file) => /\.(spec|int-spec|e2e-spec)\.ts$/.test(file) || /\/test\//.test(file) || file.startsWith('test/'),
      ),
    ].filter((file) => file !== relative(ROOT, __filename));
    const readers = variablesReadBy([...new Set(files)]);
    for (const name of Object.keys(NOT_SETTINGS)) readers.delete(name);
    expect(drift(table(DOC, 'Tests').rows.flatMap((row) => row.names), readers.keys())).toEqual(NO_DRIFT);
  });

  it("leaves the benchmark's settings to bench/README.md's Settings table, which names every variable bench/ reads, and no other", () => {
    expect(read(DOC)).toContain('(../bench/README.md#settings)');
    const readers = variablesReadBy([...filesUnder('bench/src', /\.ts$/), 'bench/run.js']);
    for (const name of Object.keys(NOT_SETTINGS)) readers.delete(name);
    expect(drift(table('bench/README.md', 'Settings').rows.flatMap((row) => row.names), readers.keys())).toEqual(NO_DRIFT);
  });

  it('leaves out of the tests and the benchmark only variables that are not settings, each still read', () => {
    const everywhere = variablesReadBy([
      ...filesUnder('apps', /\.(ts|cjs|js)$/),
      ...filesUnder('libs', /\.(ts|cjs|js)$/),
      ...filesUnder('test', /\.(ts|js)$/),
      ...filesUnder('bench/src', /\.ts$/),
    ]);
    for (const name of Object.keys(NOT_SETTINGS)) expect({ name, read: everywhere.has(name) }).toEqual({ name, read: true });
  });

  it('holds no .env reader: the apps and scripts see only their process environment', () => {
    const sources = [...APP_SOURCES, ...LIB_SOURCES, ...filesUnder('scripts', /\.js$/), ...filesUnder('bench/src', /\.ts$/), 'bench/run.js'];
    for (const file of sources) {
      expect({ file, readsDotEnv: /\bdotenv\b|getConnectionOptions|ConnectionOptionsReader|--env-file|loadEnvFile/.test(read(file)) }).toEqual({ file, readsDotEnv: false });
    }
    const packageJson = read('package.json');
    expect(packageJson).not.toMatch(/dotenv|@nestjs\/config|--env-file/);
  });
});
