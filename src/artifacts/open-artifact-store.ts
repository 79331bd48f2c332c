import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalid, show } from '../core/errors.js';
import type { ArtifactStore } from './artifact-store.js';
import { LocalArtifactStore } from './local/local-artifact-store.js';
import { S3ArtifactStore, type S3ArtifactStoreOptions } from './s3/s3-artifact-store.js';

const VALID_FORMS = 'use file:///absolute/path, a plain directory path, or s3://bucket/prefix';

export interface OpenArtifactStoreOptions {
  /** Connection settings for s3:// roots; by default they come from the environment. */
  s3?: S3ArtifactStoreOptions;
}

/** Opens the artifact store for a root URI; a local root is created here so a bad location fails at startup. */
export function openArtifactStore(uri: string, opts: OpenArtifactStoreOptions = {}): ArtifactStore {
  if (uri.trim() === '') throw invalid(`The artifact root is empty: ${VALID_FORMS}.`);
  if (/^s3:/i.test(uri)) return new S3ArtifactStore(uri, opts.s3);
  const dir = localDirectory(uri);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw invalid(`Cannot create the artifact root ${show(dir)}: ${(err as Error).message}.`);
  }
  return new LocalArtifactStore(dir);
}

function localDirectory(uri: string): string {
  if (/^file:/i.test(uri)) {
    // Only file:///path: 'file://host/path' would name another machine and 'file:rel' has no defined base.
    // A query or fragment would be dropped silently by the URL parser rather than name part of the directory.
    if (!/^file:\/\/\//i.test(uri) || /[?#]/.test(uri)) {
      throw invalid(
        `Invalid artifact root ${show(uri)}: a file URI must be file:///absolute/path; ${VALID_FORMS}.`,
      );
    }
    try {
      return fileURLToPath(uri);
    } catch (err) {
      throw invalid(`Invalid artifact root ${show(uri)}: ${(err as Error).message}; ${VALID_FORMS}.`);
    }
  }
  // Two or more letters before ':' is a scheme; one letter is a Windows drive ('C:\\artifacts').
  if (/^[A-Za-z][A-Za-z0-9+.-]+:/.test(uri)) {
    throw invalid(`Unsupported artifact root ${show(uri)}: ${VALID_FORMS}.`);
  }
  return resolve(uri);
}
