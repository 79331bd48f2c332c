// Runs s3rver in a process of its own: its ListObjectsV2 continuation tokens are DES-encrypted, and OpenSSL 3 only
// offers DES through the legacy provider, which the parent enables for this process alone. Without it every
// truncated listing answers 500 InternalError (ERR_OSSL_EVP_UNSUPPORTED).
import S3rver from 's3rver';

const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: [{ name: bucket }],
});
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);

// The parent holds stdin open; when it ends (stop(), or the parent died) this process ends too.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
