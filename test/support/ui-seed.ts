import { encodePng } from './png.js';

/**
 * Seeds a running server through its public HTTP API (MLflow REST and the artifact proxy), the way a user's
 * clients would: experiments, runs with curves, params, tags and dataset inputs, artifacts of every previewed
 * kind, and a registry with versions and alias moves. Returns what the UI tests look for.
 */
export interface Seeded {
  experimentId: string;
  emptyExperimentId: string;
  runs: { id: string; name: string; lr: string; optimizer: string; finalLoss: number }[];
  artifactRun: string;
  model: string;
  otherModel: string;
}

const API = '/api/2.0/mlflow';

export async function seedUiData(url: string): Promise<Seeded> {
  const call = async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(`${url}${API}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return text ? JSON.parse(text) : {};
  };
  const put = async (artifactUri: string, path: string, content: Buffer | string) => {
    const body = typeof content === 'string' ? content : new Uint8Array(content);
    const root = artifactUri.replace(/^mlflow-artifacts:\/*/, '');
    const res = await fetch(`${url}/api/2.0/mlflow-artifacts/artifacts/${root}/${path}`, {
      method: 'PUT',
      body,
    });
    if (!res.ok) throw new Error(`PUT artifact ${path} → ${res.status} ${await res.text()}`);
  };

  const { experiment_id: experimentId } = await call('POST', '/experiments/create', {
    name: 'churn-model',
    tags: [{ key: 'team', value: 'growth' }],
  });
  const { experiment_id: emptyExperimentId } = await call('POST', '/experiments/create', {
    name: 'empty-experiment',
  });

  const t0 = Date.UTC(2025, 0, 6, 9, 0, 0);
  const runs: Seeded['runs'] = [];
  const configs = [
    { lr: '0.1', optimizer: 'sgd', depth: 4, rate: 0.02 },
    { lr: '0.01', optimizer: 'adam', depth: 6, rate: 0.05 },
    { lr: '0.001', optimizer: 'adam', depth: 8, rate: 0.035 },
    { lr: '0.05', optimizer: 'sgd', depth: 5, rate: 0.03 },
    { lr: '0.02', optimizer: 'rmsprop', depth: 7, rate: 0.045 },
    { lr: '0.005', optimizer: 'adam', depth: 3, rate: 0.015 },
  ];
  for (const [i, c] of configs.entries()) {
    const name = `trial-${i + 1}-${c.optimizer}`;
    const start = t0 + i * 3_600_000;
    const { run } = await call('POST', '/runs/create', {
      experiment_id: experimentId,
      run_name: name,
      start_time: start,
      tags: [
        { key: 'team', value: i % 2 ? 'growth' : 'core' },
        { key: 'mlflow.source.git.commit', value: `${(0xabc123 + i).toString(16)}${'0'.repeat(34)}` },
        { key: 'mlflow.source.name', value: 'train.py' },
      ],
    });
    const id = run.info.run_id as string;
    const metrics = [];
    let finalLoss = 0;
    for (let step = 0; step < 200; step++) {
      const noise = Math.sin(step * 1.7 + i) * 0.03;
      finalLoss = 0.2 + Math.exp(-c.rate * step) + noise;
      metrics.push(
        { key: 'loss', value: finalLoss, timestamp: start + step * 1500, step },
        { key: 'val_loss', value: finalLoss * 1.1 + 0.02, timestamp: start + step * 1500, step },
        { key: 'accuracy', value: 1 - finalLoss / 2, timestamp: start + step * 1500, step },
      );
    }
    for (let j = 0; j < metrics.length; j += 1000) {
      await call('POST', '/runs/log-batch', { run_id: id, metrics: metrics.slice(j, j + 1000) });
    }
    await call('POST', '/runs/log-batch', {
      run_id: id,
      params: [
        { key: 'lr', value: c.lr },
        { key: 'optimizer', value: c.optimizer },
        { key: 'max_depth', value: String(c.depth) },
      ],
    });
    await call('POST', '/runs/log-inputs', {
      run_id: id,
      datasets: [
        {
          tags: [{ key: 'mlflow.data.context', value: 'training' }],
          dataset: {
            name: 'churn-train',
            digest: 'd41d8cd9',
            source_type: 'local',
            source: 'data/churn.parquet',
            schema: '{"mlflow_colspec":[{"name":"tenure","type":"long"}]}',
          },
        },
      ],
    });
    await put(run.info.artifact_uri, 'model/MLmodel', 'artifact_path: model\nflavors:\n  onnx: {}\n');
    await call('POST', '/runs/update', {
      run_id: id,
      status: i === 4 ? 'FAILED' : 'FINISHED',
      end_time: start + 300_000 + i * 1000,
    });
    runs.push({ id, name, lr: c.lr, optimizer: c.optimizer, finalLoss });
  }

  // Artifacts of every previewed kind on the second run.
  const artifactRun = runs[1]!.id;
  const { run: ar } = await call('GET', `/runs/get?run_id=${artifactRun}`);
  await put(
    ar.info.artifact_uri,
    'metrics.json',
    JSON.stringify({
      auc: 0.91,
      f1: 0.84,
      confusion: [
        [50, 3],
        [4, 43],
      ],
    }),
  );
  await put(
    ar.info.artifact_uri,
    'predictions.csv',
    `customer,churn_probability,label\n${Array.from({ length: 25 }, (_, i) => `c${i},${(i / 25).toFixed(2)},${i % 2}`).join('\n')}\n`,
  );
  await put(ar.info.artifact_uri, 'notes.txt', 'Trained on January data.\nValidation on the last week.\n');
  await put(
    ar.info.artifact_uri,
    'plots/roc.png',
    encodePng(160, 120, (x, y) => [Math.round((x / 160) * 255), Math.round((y / 120) * 200), 180]),
  );

  // Registry: versions from runs 1–3, `champion` moved v1 → v2 → v3, `challenger` set then deleted.
  const model = 'churn-classifier';
  await call('POST', '/registered-models/create', {
    name: model,
    description: 'Predicts which customers cancel next month.',
    tags: [{ key: 'owner', value: 'growth' }],
  });
  for (const r of runs.slice(0, 3)) {
    await call('POST', '/model-versions/create', {
      name: model,
      source: `runs:/${r.id}/model`,
      run_id: r.id,
    });
  }
  // A few milliseconds apart, so that the history's order by time is the order of the calls.
  const moves: [string, string, string | undefined][] = [
    ['POST', 'champion', '1'],
    ['POST', 'champion', '2'],
    ['POST', 'challenger', '3'],
    ['POST', 'champion', '3'],
    ['DELETE', 'challenger', undefined],
    ['POST', 'challenger', '2'],
  ];
  for (const [method, alias, version] of moves) {
    await call(method, '/registered-models/alias', { name: model, alias, ...(version ? { version } : {}) });
    await new Promise((r) => setTimeout(r, 5));
  }
  const otherModel = 'fraud-detector';
  await call('POST', '/registered-models/create', { name: otherModel });
  await call('POST', '/model-versions/create', {
    name: otherModel,
    source: `runs:/${runs[5]!.id}/model`,
    run_id: runs[5]!.id,
  });

  return { experimentId, emptyExperimentId, runs, artifactRun, model, otherModel };
}
