import { type Command, InvalidArgumentError, Option } from 'commander';
import type { EvaluateRequest } from '../training/evaluate-run.js';
import { addClientOptions, type ClientFlags, collect, intOption, withClient } from './connect.js';

interface TrainFlags extends ClientFlags {
  data: string;
  target: string;
  learner: string;
  task?: 'classification' | 'regression';
  param?: string[];
  params?: string[];
  features?: string;
  sensitive?: string;
  seed: number;
  experiment?: string;
  runName?: string;
  out?: string;
  register?: string;
}

/** The request's fields as flags: the model may also come positionally, and `--bound` repeats into `bounds`. */
type EvaluateFlags = ClientFlags &
  Omit<EvaluateRequest, 'model' | 'bounds'> & { model?: string; bound?: string[] };

/** `k=v` → [k, v]; the learner checks names and values (docs/learners.md, Parameters). */
function parseParams(list: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) {
    const at = item.indexOf('=');
    if (at <= 0)
      throw new InvalidArgumentError(
        `--param takes KEY=VALUE (e.g. trees=200), got ${JSON.stringify(item)}.`,
      );
    out[item.slice(0, at).trim()] = item.slice(at + 1).trim();
  }
  return out;
}

const finiteNumber = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new InvalidArgumentError(`expected a finite number, got ${JSON.stringify(value)}.`);
  return n;
};

/**
 * `mloop train` and `mloop evaluate`: the built-in learners from the command line (docs/learners.md). Thin: flags
 * are parsed here, the work is `training/train-run.ts` and `training/evaluate-run.ts` over the typed client.
 */
export function registerLearnCommands(program: Command): void {
  addClientOptions(
    program
      .command('train')
      .description(
        'Train a built-in learner on a table and track it as a run: params, losses, training metrics, the dataset version as input, and the model package (ONNX + signature) under model/.',
      )
      .requiredOption(
        '--data <path>',
        'table file or directory (CSV, TSV, JSONL, Parquet, Arrow), or NAME@VERSION',
      )
      .requiredOption('--target <col>', 'the column to predict')
      .requiredOption('--learner <name>', 'ridge, logistic or gbdt (see docs/learners.md)')
      .addOption(
        new Option('--task <task>', 'default: from the learner and the target column').choices([
          'classification',
          'regression',
        ]),
      )
      .option(
        '--param <k=v...>',
        'learner parameter, repeatable (e.g. --param trees=200 learningRate=0.05)',
        collectAll,
      )
      .addOption(new Option('--params <k=v...>', 'the same as --param').hideHelp().argParser(collectAll))
      .option(
        '--features <a,b,...>',
        'feature columns (default: every column but the target and --sensitive)',
      )
      .option(
        '--sensitive <col>',
        'report fairness metrics by this column (and leave it out of the features)',
      )
      .option('--seed <n>', 'seed of every random choice', intOption(0, 2 ** 31 - 1), 0)
      .option('--experiment <name>', 'experiment to log the run in (created if needed; default: Default)')
      .option('--run-name <name>', 'name of the run')
      .option('--out <dir>', 'also write the model package to this new directory')
      .option('--register <name>', 'register the model as a new version of this registered model'),
  ).action(async (flags: TrainFlags) => {
    const params = parseParams([...(flags.param ?? []), ...(flags.params ?? [])]);
    const [{ trainAndLog }, r] = await Promise.all([import('../training/train-run.js'), render()]);
    const bar = r.trainingProgress(`training ${flags.learner}`);
    const result = await r
      .withStatCache((cache) =>
        withClient(
          flags,
          (client) =>
            trainAndLog(
              client,
              {
                data: flags.data,
                target: flags.target,
                learner: flags.learner,
                params,
                seed: flags.seed,
                ...(flags.task ? { task: flags.task } : {}),
                ...(flags.features ? { features: splitList(flags.features) } : {}),
                ...(flags.sensitive ? { sensitive: flags.sensitive } : {}),
                ...(flags.experiment ? { experiment: flags.experiment } : {}),
                ...(flags.runName ? { runName: flags.runName } : {}),
                ...(flags.out ? { out: flags.out } : {}),
                ...(flags.register ? { register: flags.register } : {}),
              },
              { cache, progress: r.progress(), onIteration: (p) => bar.update(p) },
            ),
          { createHome: true },
        ),
      )
      .finally(() => bar.end());
    if (flags.json) return r.printJson(result);
    r.printTrain(result);
  });

  addClientOptions(
    program
      .command('evaluate')
      .description(
        'Evaluate a model trained by mloop on labelled data, log the metrics to a run, and optionally gate it against a champion and bounds (exit 1 when not blessed).',
      )
      .argument('[model]', 'the same as --model')
      .option(
        '--model <ref>',
        'package directory, runs:/ID/model, models:/NAME/VERSION or models:/NAME@ALIAS',
      )
      .requiredOption('--data <path>', 'table file or directory, or NAME@VERSION')
      .option('--target <col>', "the column holding the truth (default: the model's target)")
      .option('--sensitive <col>', 'fairness metrics by this column (binary classifiers)')
      .option('--slice <col>', 'the metrics per value of this column too (in the report)')
      .option('--out <file>', 'write the metrics as flat JSON (metric → value), e.g. for a pipeline')
      .option('--run <run-id>', 'log to this run instead of a new evaluation run')
      .option('--experiment <name>', "experiment of the new run (default: the model's training run's)")
      .option('--run-name <name>', 'name of the new run')
      .option('--champion <ref>', 'compare with this model on the same data, e.g. models:/NAME@champion')
      .option(
        '--metric <name>',
        'the metric compared with the champion (default: roc_auc, accuracy or rmse by task)',
      )
      .option(
        '--min-improvement <x>',
        'how much better than the champion the metric must be, in its better direction (default 0: no worse)',
        finiteNumber,
      )
      .option(
        '--bound <metric>=<value>',
        'an absolute bound, METRIC>=VALUE or METRIC<=VALUE; repeatable',
        collect,
      ),
  ).action(async (positional: string | undefined, flags: EvaluateFlags, command: Command) => {
    if (positional && flags.model && positional !== flags.model)
      command.error(
        `error: the model is given twice (${positional} and --model ${flags.model}); give it once.`,
      );
    const model = flags.model ?? positional;
    if (!model) command.error("error: required option '--model <ref>' not specified");
    const [{ evaluateAndLog }, r] = await Promise.all([import('../training/evaluate-run.js'), render()]);
    const result = await r.withStatCache((cache) =>
      withClient(flags, (client) =>
        evaluateAndLog(
          client,
          {
            model,
            data: flags.data,
            ...(flags.target ? { target: flags.target } : {}),
            ...(flags.sensitive ? { sensitive: flags.sensitive } : {}),
            ...(flags.slice ? { slice: flags.slice } : {}),
            ...(flags.out ? { out: flags.out } : {}),
            ...(flags.run ? { run: flags.run } : {}),
            ...(flags.experiment ? { experiment: flags.experiment } : {}),
            ...(flags.runName ? { runName: flags.runName } : {}),
            ...(flags.champion ? { champion: flags.champion } : {}),
            ...(flags.minImprovement === undefined ? {} : { minImprovement: flags.minImprovement }),
            ...(flags.metric ? { metric: flags.metric } : {}),
            ...(flags.bound ? { bounds: flags.bound } : {}),
          },
          { cache, progress: r.progress() },
        ),
      ),
    );
    if (flags.json) r.printJson(result);
    else r.printEvaluate(result);
    if (result.blessing && !result.blessing.blessed) process.exitCode = 1;
  });
}

/** A variadic option that also repeats: `--param a=1 b=2 --param c=3`. */
function collectAll(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const splitList = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

async function render() {
  return import('./learn-render.js');
}
