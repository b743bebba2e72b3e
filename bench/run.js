#!/usr/bin/env node
// Runs the benchmark, or any TypeScript entry point of the repo, without `npm run build`:
// apps/, libs/ and bench/ are compiled with @swc/core (the settings jest uses) into
// bench/.build/, only files whose source changed, and `@accord/<lib>` resolves there.
//
//   node bench/run.js                               the benchmark (bench/src/main.ts)
//   node bench/run.js apps/sharing-broker/src/main.ts   one app, as the benchmark starts it
//
// Why not dist/: the benchmark must start the broker as a separate process (to read its
// RSS) from the current source, without depending on a full `tsc` build that fails while
// any other app has a type error, and without writing dist/, which other people use. The
// child processes only load plain JS; @swc/core is loaded by the process that compiles.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

const ROOT = path.resolve(__dirname, '..');
const BUILD = path.join(__dirname, '.build');
const SOURCE_ROOTS = ['apps', 'libs', 'bench/src'];
const SKIPPED = /\.(spec|int-spec|e2e-spec)\.ts$/;

const SWC_OPTIONS = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
  // These options are the whole configuration: the repository's .swcrc (path rewriting) is not read.
  swcrc: false,
  configFile: false,
};

/** Every source file under apps/*\/src, libs/*\/src and bench/src (TypeScript and assets such as JSON). */
function sourceFiles() {
  const files = [];
  const walk = (directory) => {
    for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (!SKIPPED.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(full);
    }
  };
  for (const root of SOURCE_ROOTS) {
    const absolute = path.join(ROOT, root);
    if (!fs.existsSync(absolute)) continue;
    if (root === 'bench/src') {
      walk(absolute);
      continue;
    }
    for (const project of fs.readdirSync(absolute)) {
      const src = path.join(absolute, project, 'src');
      if (fs.existsSync(src)) walk(src);
    }
  }
  return files;
}

function outputOf(source) {
  const relative = path.relative(ROOT, source);
  return path.join(BUILD, relative.endsWith('.ts') ? relative.slice(0, -3) + '.js' : relative);
}

/** Another process building at the same time (a test, a second run) never reads half a file. */
function writeAtomically(file, content) {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, content);
  fs.renameSync(temporary, file);
}

/** Compiles what changed since the last build; returns how many files were (re)written. */
function build() {
  let swc;
  let written = 0;
  // A change of compiler or options invalidates everything compiled before.
  const stamp = JSON.stringify({ swc: require('@swc/core/package.json').version, options: SWC_OPTIONS });
  const stampFile = path.join(BUILD, '.options.json');
  const fresh = fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp;
  for (const source of sourceFiles()) {
    const output = outputOf(source);
    const sourceStat = fs.statSync(source);
    if (fresh && fs.existsSync(output) && fs.statSync(output).mtimeMs >= sourceStat.mtimeMs) continue;
    fs.mkdirSync(path.dirname(output), { recursive: true });
    if (source.endsWith('.ts')) {
      swc ??= require('@swc/core');
      let code;
      try {
        ({ code } = swc.transformSync(fs.readFileSync(source, 'utf8'), { ...SWC_OPTIONS, filename: source }));
      } catch (error) {
        // Only fatal if something the benchmark runs imports it (it then fails to load, naming the file).
        process.stderr.write(`bench: cannot compile ${path.relative(ROOT, source)}: ${String(error.message || error).split('\n')[0]}\n`);
        fs.rmSync(output, { force: true });
        continue;
      }
      writeAtomically(output, code);
    } else {
      writeAtomically(output, fs.readFileSync(source));
    }
    written++;
  }
  if (!fresh) writeAtomically(stampFile, stamp);
  return written;
}

let registered = false;

/** Makes `@accord/<lib>` resolve to the compiled lib, for this process and (via -r) its children. */
function register() {
  if (registered) return;
  registered = true;
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, parent, ...rest) {
    const match = /^@accord\/([a-z-]+)$/.exec(request);
    if (match) return resolve.call(this, path.join(BUILD, 'libs', match[1], 'src', 'index.js'), parent, ...rest);
    return resolve.call(this, request, parent, ...rest);
  };
}

/** The compiled JS of a repo-relative TypeScript path. */
function compiledPath(entry) {
  return outputOf(path.resolve(ROOT, entry));
}

module.exports = { ROOT, BUILD, build, register, compiledPath };

if (require.main === module) {
  const entry = process.argv[2] && process.argv[2].endsWith('.ts') ? process.argv[2] : 'bench/src/main.ts';
  if (process.env.BENCH_SKIP_BUILD !== '1') {
    const started = Date.now();
    const written = build();
    if (written > 0) process.stderr.write(`bench: compiled ${written} files with swc in ${Date.now() - started} ms\n`);
  }
  register();
  require('reflect-metadata');
  require(compiledPath(entry));
}
