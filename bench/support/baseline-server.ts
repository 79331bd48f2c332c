/**
 * The practical limit: a minimal Node HTTP server that parses the same OIP JSON request and calls onnxruntime-node
 * directly on its event loop, one session, no routing, validation, batching, metrics or ids.
 *
 * usage: node bench/support/baseline-server.ts MODEL.onnx   → prints {"url": ...} once listening
 */
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');

const session = await ort.InferenceSession.create(process.argv[2]!, {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
});
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as {
        inputs: { name: string; shape: number[]; data: number[] }[];
      };
      const input = body.inputs[0]!;
      const tensor = new ort.Tensor('float32', Float32Array.from(input.data.flat()), input.shape);
      const out = await session.run({ [input.name]: tensor });
      const outputs = Object.entries(out).map(([name, t]) => ({
        name,
        datatype: 'FP32',
        shape: t.dims,
        data: Array.from(t.data as Float32Array),
      }));
      const text = JSON.stringify({ model_name: 'gbdt', outputs });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    } catch (err) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: String(err) }));
    }
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  console.log(JSON.stringify({ url: `http://127.0.0.1:${address.port}` }));
});
