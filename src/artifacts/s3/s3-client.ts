import { S3Client } from '@aws-sdk/client-s3';

/** What a caller may set; anything left out comes from the environment (and credentials from the AWS chain). */
export interface S3ConnectionOptions {
  /** e.g. `http://127.0.0.1:9000` for MinIO or s3rver; turns on path-style addressing. */
  endpoint?: string;
  region?: string;
  /** Omit to use the standard AWS chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profiles, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export interface ResolvedS3Connection {
  endpoint: string | undefined;
  region: string;
  forcePathStyle: boolean;
}

/**
 * The one place the precedence is written: option → MLOOP_S3_ENDPOINT_URL → AWS_ENDPOINT_URL_S3 → AWS_ENDPOINT_URL.
 * AWS_ENDPOINT_URL_S3 sits before the generic variable because that is what it means to the AWS SDKs and CLI.
 */
export function resolveS3Connection(
  opts: S3ConnectionOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedS3Connection {
  const endpoint =
    nonEmpty(opts.endpoint) ??
    nonEmpty(env.MLOOP_S3_ENDPOINT_URL) ??
    nonEmpty(env.AWS_ENDPOINT_URL_S3) ??
    nonEmpty(env.AWS_ENDPOINT_URL);
  const region =
    nonEmpty(opts.region) ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? 'us-east-1';
  // Self-hosted S3 servers rarely have wildcard DNS for virtual-hosted buckets.
  return { endpoint, region, forcePathStyle: endpoint !== undefined };
}

export function createS3Client(
  opts: S3ConnectionOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): S3Client {
  const { endpoint, region, forcePathStyle } = resolveS3Connection(opts, env);
  return new S3Client({
    region,
    forcePathStyle,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(opts.credentials === undefined ? {} : { credentials: opts.credentials }),
    // The default (WHEN_SUPPORTED) sends streamed bodies aws-chunked with trailing checksums; servers that do not
    // speak that framing (s3rver, older MinIO) store the framing bytes as part of the object.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value.trim();
