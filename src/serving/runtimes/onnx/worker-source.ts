/**
 * The worker's program, run with `new Worker(source, { eval: true })` so the same text works from the TypeScript
 * sources (tests) and the compiled package. One onnxruntime session per model per worker; inference results come
 * back in buffers of their own, transferred rather than copied.
 */
export const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
const sessions = new Map();
const io = (list) =>
  list.map((m) => ({ name: m.name, type: m.isTensor ? m.type : 'non-tensor (e.g. a ZipMap sequence of maps)', shape: m.isTensor ? Array.from(m.shape) : [] }));

async function handle(msg) {
  if (msg.type === 'load') {
    const session = await ort.InferenceSession.create(msg.file, {
      intraOpNumThreads: workerData.intraOpNumThreads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    const old = sessions.get(msg.key);
    sessions.set(msg.key, session);
    if (old) await old.release();
    return { value: { inputs: io(session.inputMetadata), outputs: io(session.outputMetadata) } };
  }
  if (msg.type === 'infer') {
    const session = sessions.get(msg.key);
    if (!session) throw new Error('model ' + msg.key + ' is not loaded in this worker');
    const feeds = {};
    for (const name of Object.keys(msg.feeds)) {
      const t = msg.feeds[name];
      feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
    }
    const start = performance.now();
    const result = await session.run(feeds);
    const computeMs = performance.now() - start;
    const outputs = {};
    const transfer = [];
    for (const name of Object.keys(result)) {
      const t = result[name];
      let data = t.data;
      if (!Array.isArray(data)) {
        data = data.slice();
        transfer.push(data.buffer);
      }
      outputs[name] = { type: t.type, data, dims: Array.from(t.dims, Number) };
    }
    return { value: { outputs, computeMs }, transfer };
  }
  if (msg.type === 'unload') {
    const session = sessions.get(msg.key);
    sessions.delete(msg.key);
    if (session) await session.release();
    return { value: null };
  }
  throw new Error('unknown message ' + msg.type);
}

parentPort.on('message', (msg) => {
  handle(msg).then(
    (r) => parentPort.postMessage({ id: msg.id, ok: true, value: r.value }, r.transfer || []),
    (err) => parentPort.postMessage({ id: msg.id, ok: false, error: String((err && err.message) || err) }),
  );
});
`;
