import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openArtifactStore } from '../artifacts/open-artifact-store.js';
import { PipelineError } from './errors.js';
import { buildDag, type Dag } from './graph.js';
import { findProjectFile, loadPipeline } from './load.js';
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
  const pipeline = loadPipeline(file);
  const dag = buildDag(pipeline, (p) => existsSync(isAbsolute(p) ? p : join(pipeline.root, p)));
  return { file, pipeline, dag };
}

/** The run-cache: a directory or s3:// root (default `.mloop/cache` in the project). */
export function openStageCache(root: string, uri?: string): StageCache {
  return new StageCache(openArtifactStore(uri ?? join(root, '.mloop', 'cache')));
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
