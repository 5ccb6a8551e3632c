#!/usr/bin/env node
// Composes subgraph SDLs into a Federation v2 supergraph with @theguild/federation-composition,
// the composition whose output hive-router-query-planner is known to plan.
//
// CLI:  node schema/compose.mjs MANIFEST.json  > supergraph.graphql
// MANIFEST.json: {"subgraphs":[{"name":"products","url":"http://127.0.0.1:4001/graphql","sdl":"products.graphql"}]}
// `sdl` paths are relative to the manifest's directory. Composition errors go to stderr, exit code 1.
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'graphql';
import { composeServices } from '@theguild/federation-composition';

/**
 * Composes subgraphs given as `{ name, url, sdl }` where `sdl` is the SDL text.
 * Returns `{ supergraphSdl }` on success or `{ errors: string[] }` on failure.
 */
export function composeSubgraphs(subgraphs) {
  const services = [];
  const errors = [];
  for (const subgraph of subgraphs) {
    try {
      services.push({ name: subgraph.name, url: subgraph.url, typeDefs: parse(subgraph.sdl) });
    } catch (error) {
      errors.push(`[${subgraph.name}] ${error.message}`);
    }
  }
  if (errors.length > 0) return { errors };
  const result = composeServices(services);
  if (result.errors && result.errors.length > 0) {
    return { errors: result.errors.map((error) => error.message) };
  }
  return { supergraphSdl: result.supergraphSdl };
}

/** Reads a manifest file and composes the subgraphs it lists. */
export function composeManifest(manifestPath) {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  if (!manifest || !Array.isArray(manifest.subgraphs) || manifest.subgraphs.length === 0) {
    return { errors: [`${manifestPath}: expected {"subgraphs":[{"name","url","sdl"}, ...]}`] };
  }
  const baseDir = dirname(resolve(manifestPath));
  const subgraphs = [];
  const errors = [];
  for (const entry of manifest.subgraphs) {
    if (typeof entry.name !== 'string' || typeof entry.url !== 'string' || typeof entry.sdl !== 'string') {
      errors.push(`${manifestPath}: every subgraph needs string fields name, url and sdl`);
      continue;
    }
    try {
      subgraphs.push({ name: entry.name, url: entry.url, sdl: readFileSync(resolve(baseDir, entry.sdl), 'utf8') });
    } catch (error) {
      errors.push(`[${entry.name}] cannot read ${entry.sdl}: ${error.message}`);
    }
  }
  if (errors.length > 0) return { errors };
  return composeSubgraphs(subgraphs);
}

// Compare real paths: node resolves symlinks for import.meta.url but not for argv[1].
const invokedDirectly =
  process.argv[1] && realpathSync(resolve(process.argv[1])) === realpathSync(fileURLToPath(import.meta.url));
if (invokedDirectly) {
  const manifestPath = process.argv[2];
  if (!manifestPath) {
    process.stderr.write('usage: node schema/compose.mjs MANIFEST.json\n');
    process.exit(2);
  }
  let result;
  try {
    result = composeManifest(manifestPath);
  } catch (error) {
    result = { errors: [error.message] };
  }
  if (result.errors) {
    for (const message of result.errors) process.stderr.write(`${message}\n`);
    process.exit(1);
  }
  process.stdout.write(result.supergraphSdl);
  if (!result.supergraphSdl.endsWith('\n')) process.stdout.write('\n');
}
