import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openArtifactStore } from '../artifacts/open-artifact-store.js';
import { PipelineError } from './errors.js';
import { buildDag, type Dag } from './graph.js';
import { findProjectFile, type LoadTrace, loadPipeline } from './load.js';
import { type CacheBackend, LocalCacheStore } from './local-cache-store.js';
import type { Pipeline } from './spec.js';
import { StageCache } from './stage-cache.js';

export interface Project {
  file: string;
  pipeline: Pipeline;
  dag: Dag;
}

/** Loads mloop.yaml (given, or found from `cwd` upwards) and builds its graph; errors name the stage and key. */
export function openProject(opts: { file?: string; cwd?: string } = {}): Project {
  const cwd = opts.cwd ?? process.cwd();
  const file = opts.file ? resolve(cwd, opts.file) : findProjectFile(cwd);
  if (!file || !existsSync(file))
    throw new PipelineError(
      'SPEC_INVALID',
      opts.file
        ? `${opts.file} does not exist.`
        : `no mloop.yaml in ${cwd} or its parents: create one with a "pipeline: stages:" section (see docs/pipelines.md).`,
    );
  const pipeline = loadCached(file);
  const dag = buildDag(pipeline, (p) => existsSync(isAbsolute(p) ? p : join(pipeline.root, p)));
  return { file, pipeline, dag };
}

/** The run-cache: a directory or s3:// root (default `.mloop/cache` in the project). */
export function openStageCache(root: string, uri?: string): StageCache {
  return new StageCache(openCacheBackend(uri ?? join(root, '.mloop', 'cache'), root));
}

/** A local directory (path or file:// URI) is a `LocalCacheStore`; s3:// goes through the artifact store. */
export function openCacheBackend(uri: string, base = process.cwd()): CacheBackend {
  if (/^s3:/i.test(uri)) return openArtifactStore(uri);
  return new LocalCacheStore(/^file:/i.test(uri) ? fileURLToPath(uri) : resolve(base, uri));
}

/**
 * A directory holding an `mloop` shim that runs this very CLI, put first on a stage's PATH so that built-in stages
 * (`mloop train …`) find mloop without depending on how it was installed.
 */
export function mloopShimDir(root: string): string {
  const dir = join(root, '.mloop', 'bin');
  const bin = fileURLToPath(new URL('../../bin/mloop.js', import.meta.url));
  const body = `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} "$@"\n`;
  const shim = join(dir, 'mloop');
  if (!existsSync(shim) || readFileSync(shim, 'utf8') !== body) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(shim, body);
    chmodSync(shim, 0o755);
  }
  return dir;
}

interface SpecCache {
  v: 1;
  files: [path: string, ino: number, mtimeMs: number, size: number][];
  probes: [path: string, exists: boolean][];
  pipeline: Pipeline;
}

const statKey = (path: string): [number, number, number] | undefined => {
  const st = statSync(path, { throwIfNoEntry: false });
  return st ? [st.ino, st.mtimeMs, st.size] : undefined;
};

/**
 * The resolved pipeline, from `.mloop/spec-cache.json` when mloop.yaml, the params files and every path the loader
 * probed are as they were (same inode, mtime and size; same existence) — parsing a 100-stage YAML file costs more
 * than checking a fully cached pipeline. Any difference, or an unreadable cache, means a fresh load.
 */
function loadCached(file: string): Pipeline {
  const dir = join(dirname(file), '.mloop');
  const cacheFile = join(dir, 'spec-cache.json');
  try {
    const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as SpecCache;
    const same =
      cached.v === 1 &&
      cached.pipeline.root === dirname(file) &&
      cached.files.some(([p]) => p === file) &&
      cached.files.every(([p, ...key]) => statKey(p)?.join() === key.join()) &&
      cached.probes.every(([p, e]) => existsSync(p) === e);
    if (same) return cached.pipeline;
  } catch {
    // No cache yet, or one from another version: load afresh.
  }
  const trace: LoadTrace = { files: new Set(), probes: new Map() };
  const pipeline = loadPipeline(file, trace);
  try {
    const files = [...trace.files].flatMap((p) => {
      const key = statKey(p);
      return key ? [[p, ...key] as SpecCache['files'][number]] : [];
    });
    const entry: SpecCache = { v: 1, files, probes: [...trace.probes], pipeline };
    mkdirSync(dir, { recursive: true });
    const temp = join(dir, `.spec-cache.${randomUUID()}.tmp`);
    writeFileSync(temp, JSON.stringify(entry));
    renameSync(temp, cacheFile);
  } catch {
    // A read-only project still works; it just parses every time.
  }
  return pipeline;
}
