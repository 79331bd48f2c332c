import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface S3Server {
  /** e.g. http://127.0.0.1:43127 — pass it as the endpoint; nothing is exported to the environment. */
  endpoint: string;
  bucket: string;
  /** s3rver's fixed account; it rejects signatures made with any other key. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  stop(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./s3rver-child.mjs', import.meta.url));
const START_TIMEOUT_MS = 30_000;

/**
 * Starts a real S3 server (s3rver 3.7, objects on disk in a temp directory) on a free port with one empty bucket.
 * A failure to start rejects: callers must let that fail their suite, never turn it into a skip.
 */
export async function startS3(): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'mloop-s3rver-'));
  const bucket = 'mloop-test';
  const child = spawn(process.execPath, ['--openssl-legacy-provider', CHILD, directory, bucket], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let port: number;
  try {
    port = await readPort(child, () => stderr);
  } catch (err) {
    child.kill('SIGKILL');
    await rm(directory, { recursive: true, force: true });
    throw err;
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.stdin?.end();
        await exited;
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** The first stdout line is `{"port":N}`; exiting, failing to spawn or staying silent is a start failure. */
async function readPort(child: ChildProcess, stderr: () => string): Promise<number> {
  const lines = createInterface({ input: child.stdout! });
  const failed = (why: string) => new Error(`s3rver failed to start: ${why}\n${stderr()}`.trim());
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      (async () => {
        for await (const line of lines) {
          const port = (JSON.parse(line) as { port?: unknown }).port;
          if (typeof port === 'number') return port;
        }
        // 'close' comes after stderr has drained, so the message carries the child's own explanation.
        await once(child, 'close');
        throw failed(
          `the process exited (code ${child.exitCode}, signal ${child.signalCode}) before reporting its port`,
        );
      })(),
      once(child, 'error').then(([err]) => {
        throw failed(String(err));
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(failed(`no port after ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    lines.close();
  }
}
