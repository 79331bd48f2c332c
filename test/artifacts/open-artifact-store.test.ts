import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalArtifactStore } from '../../src/artifacts/local/local-artifact-store.js';
import { openArtifactStore } from '../../src/artifacts/open-artifact-store.js';
import { resolveS3Connection } from '../../src/artifacts/s3/s3-client.js';
import { MloopError } from '../../src/core/errors.js';

let top = '';
beforeAll(async () => {
  top = await mkdtemp(join(tmpdir(), 'mloop-open-artifacts-'));
});
afterAll(() => rm(top, { recursive: true, force: true }));

const isDir = async (path: string) => (await stat(path)).isDirectory();

function refusal(uri: string): MloopError {
  try {
    openArtifactStore(uri);
  } catch (err) {
    if (err instanceof MloopError) return err;
    throw err;
  }
  throw new Error(`expected ${uri} to be refused`);
}

describe('openArtifactStore', () => {
  it('opens file:/// URIs and creates the directory', async () => {
    const dir = join(top, 'from-uri', 'nested');
    const store = openArtifactStore(pathToFileURL(dir).href);
    expect(store).toBeInstanceOf(LocalArtifactStore);
    expect(store.uri).toBe(pathToFileURL(dir).href);
    expect(await isDir(dir)).toBe(true);
  });

  it('decodes percent-escapes in file URIs', async () => {
    const store = openArtifactStore(`${pathToFileURL(top).href}/with%20space`);
    expect(store.uri).toBe(pathToFileURL(join(top, 'with space')).href);
    expect(await isDir(join(top, 'with space'))).toBe(true);
  });

  it('opens plain absolute and relative paths', async () => {
    const abs = join(top, 'plain-abs');
    expect(openArtifactStore(abs).uri).toBe(pathToFileURL(abs).href);
    const rel = relative(process.cwd(), join(top, 'plain-rel'));
    expect(openArtifactStore(rel).uri).toBe(pathToFileURL(join(top, 'plain-rel')).href);
    expect(await isDir(join(top, 'plain-rel'))).toBe(true);
  });

  it('opens s3:// URIs without contacting S3', () => {
    const store = openArtifactStore('s3://my-bucket/some/prefix/', {
      s3: { endpoint: 'http://127.0.0.1:1' },
    });
    expect(store.uri).toBe('s3://my-bucket/some/prefix');
    expect(openArtifactStore('s3://my-bucket').uri).toBe('s3://my-bucket');
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['http://example.com/artifacts', 'Unsupported artifact root'],
    ['gs://bucket/prefix', 'Unsupported artifact root'],
    ['mlflow-artifacts:/x', 'Unsupported artifact root'],
    ['file://otherhost/srv/artifacts', 'file:///absolute/path'],
    ['file:relative/dir', 'file:///absolute/path'],
    ['file:///tmp/x?y=1', 'file:///absolute/path'],
    ['file:///tmp/x#frag', 'file:///absolute/path'],
    ['s3://ab/prefix', 'bucket name of 3-63'],
    ['s3://Upper/prefix', 'bucket name of 3-63'],
    ['s3:///prefix', 'bucket name of 3-63'],
    ['s3://bucket/../escape', "'..' segment"],
    ['s3://bucket//double', "'/'"],
  ])('refuses %j', (uri, hint) => {
    const err = refusal(uri);
    expect(err.code).toBe('INVALID_PARAMETER_VALUE');
    expect(err.message).toContain(hint);
  });

  it('names the valid forms', () => {
    expect(refusal('ftp://x/y').message).toContain(
      'file:///absolute/path, a plain directory path, or s3://bucket/prefix',
    );
  });
});

describe('resolveS3Connection', () => {
  it('prefers the option, then MLOOP_S3_ENDPOINT_URL, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL', () => {
    const env = {
      MLOOP_S3_ENDPOINT_URL: 'http://mloop:9000',
      AWS_ENDPOINT_URL_S3: 'http://aws-s3:9000',
      AWS_ENDPOINT_URL: 'http://aws:9000',
    };
    expect(resolveS3Connection({ endpoint: 'http://opt:9000' }, env).endpoint).toBe('http://opt:9000');
    expect(resolveS3Connection({}, env).endpoint).toBe('http://mloop:9000');
    expect(resolveS3Connection({}, { ...env, MLOOP_S3_ENDPOINT_URL: '' }).endpoint).toBe(
      'http://aws-s3:9000',
    );
    expect(resolveS3Connection({}, { AWS_ENDPOINT_URL: 'http://aws:9000' }).endpoint).toBe('http://aws:9000');
  });

  it('uses path-style addressing only with a custom endpoint', () => {
    expect(resolveS3Connection({}, { AWS_ENDPOINT_URL: 'http://minio:9000' }).forcePathStyle).toBe(true);
    expect(resolveS3Connection({}, {})).toEqual({
      endpoint: undefined,
      region: 'us-east-1',
      forcePathStyle: false,
    });
  });

  it('takes the region from the option, AWS_REGION, AWS_DEFAULT_REGION, else us-east-1', () => {
    expect(resolveS3Connection({ region: 'eu-west-3' }, { AWS_REGION: 'x' }).region).toBe('eu-west-3');
    expect(
      resolveS3Connection({}, { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'ap-south-1' }).region,
    ).toBe('eu-west-1');
    expect(resolveS3Connection({}, { AWS_DEFAULT_REGION: 'ap-south-1' }).region).toBe('ap-south-1');
    expect(resolveS3Connection({}, {}).region).toBe('us-east-1');
  });
});
