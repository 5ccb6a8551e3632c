// Writes dist/SOURCE_HASH: the sha256 of the sources the bundle is built from, so a check
// without Node (tests/it/playground_bundle.rs) can tell when dist/ is stale.
//
// Hashed, in byte order of their '/'-separated paths relative to web-playground/:
// package.json, package-lock.json, vite.config.js, index.html and every file under src/.
// Each file contributes `path NUL length NUL contents`. Keep in step with the Rust check.
//
// `node scripts/source-hash.mjs --check` compares instead of writing.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TOP_LEVEL = ['package.json', 'package-lock.json', 'vite.config.js', 'index.html'];

function filesUnder(relative) {
  return readdirSync(join(root, relative)).flatMap((name) => {
    const path = `${relative}/${name}`;
    return statSync(join(root, path)).isDirectory() ? filesUnder(path) : [path];
  });
}

export function sourceFiles() {
  const files = [...TOP_LEVEL, ...filesUnder('src')];
  return files.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

export function sourceHash() {
  const hash = createHash('sha256');
  for (const path of sourceFiles()) {
    const contents = readFileSync(join(root, path));
    hash.update(`${path}\0${contents.length}\0`);
    hash.update(contents);
  }
  return hash.digest('hex');
}

const target = join(root, 'dist', 'SOURCE_HASH');
const hash = sourceHash();
if (process.argv.includes('--check')) {
  const committed = existsSync(target) ? readFileSync(target, 'utf8').trim() : '(missing)';
  if (committed !== hash) {
    console.error(`dist/ is stale (SOURCE_HASH ${committed}, sources ${hash}): run \`npm run build --prefix web-playground\``);
    process.exit(1);
  }
  console.log(`dist/ matches its sources (${hash})`);
} else {
  writeFileSync(target, `${hash}\n`);
  console.log(`wrote dist/SOURCE_HASH ${hash}`);
}
