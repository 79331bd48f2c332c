import { invalid, show } from '../../core/errors.js';
import { safeArtifactPath } from '../safe-path.js';

/** Parsed without loading the AWS SDK, so a bad root fails at startup and a local setup never pays for S3. */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/i.exec(uri);
  const bucket = match?.[1] ?? '';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw invalid(
      `Invalid S3 artifact root ${show(uri)}: expected s3://bucket/prefix with a bucket name of 3-63 lowercase ` +
        'letters, digits, dots or hyphens.',
    );
  }
  const prefix = safeArtifactPath(match?.[2] ?? '', 'S3 artifact root prefix', { allowEmpty: true });
  return { bucket, prefix };
}
