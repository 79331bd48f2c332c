import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

export const MODEL = 'flight-delay';
export const DEPLOYMENT = 'flight-delay';
export const DATASET = 'flights';
export const EXPERIMENT = 'flight-delay';
/** The mloop CLI of this installation: the loop runs it as the training command, whatever is on PATH. */
export const MLOOP_BIN = fileURLToPath(new URL('../../bin/mloop.js', import.meta.url));

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/** `mloop train` on the newest version of the dataset, registering a new version of the model. */
export function trainCommand(opts: { trees: number; features?: readonly string[] }): string {
  return [
    quote(process.execPath),
    quote(MLOOP_BIN),
    'train --data flights@latest --target delayed --learner gbdt',
    `--param trees=${opts.trees}`,
    ...(opts.features ? [`--features ${opts.features.join(',')}`] : []),
    `--experiment ${EXPERIMENT} --run-name retrain --register ${MODEL} --json`,
  ].join(' ');
}

/**
 * The loop policy the demo applies (and writes to mloop.yaml for the reader): retrain when the congestion feature
 * drifts or the live ROC AUC falls below the bound; gate on the freshest labeled week; canary a quarter of the
 * traffic; promote when it bakes without errors. The demo replays a month per monitoring window, so its cooldown is
 * counted in windows: months of replayed traffic before drift may retrain again.
 */
export function loopPolicy(opts: {
  aucBound: number;
  trees: number;
  cooldownMs: number;
  features?: readonly string[];
}) {
  return {
    model: MODEL,
    deployment: DEPLOYMENT,
    train: { command: trainCommand(opts), timeout: '5m' },
    data: { dataset: DATASET },
    triggers: [
      { feature_drift: { column: 'origin_late_share' } },
      { performance: { metric: 'roc_auc', below: opts.aucBound, min_labels: 5000 } },
    ],
    cooldown: `${Math.round(opts.cooldownMs / 1000)}s`,
    gate: {
      using: 'evaluate',
      bounds: ['roc_auc>=0.65'],
      metric: 'roc_auc',
      min_improvement: 0.005,
      data: 'data/fresh.csv',
      target: 'delayed',
      timeout: '5m',
    },
    rollout: {
      canary: 25,
      bake: { requests: 20, timeout: '5m' },
      min_requests: 10,
      rollback_on: { error_rate: 0.02, p99_ms: 2000 },
    },
    approval: 'auto',
  };
}

/** The policy as the `loop:` key of mloop.yaml, for the reader and for `mloop loop apply`. */
export function mloopYaml(policy: ReturnType<typeof loopPolicy>): string {
  return `# Written by \`mloop demo\`: the loop policy it applied (docs/loop.md).\n${stringify({ loop: policy }, { lineWidth: 0 })}`;
}
