import type { Command } from 'commander';
import type { LoopStatus } from '../loop/routes.js';
import type { LoopEvent, LoopRun } from '../loop/types.js';
import { CliError } from './cli-error.js';
import { addClientOptions, type ClientFlags, withClient } from './connect.js';

/** Reads the `loop:` key of a project file; other keys (pipeline:, …) belong to other commands and are left alone. */
async function readLoopSection(file: string): Promise<{ loop: Record<string, unknown>; workdir: string }> {
  const { readFile } = await import('node:fs/promises');
  const { dirname, resolve } = await import('node:path');
  const { parse } = await import('yaml');
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(
      `Cannot read ${file}: ${(err as Error).message}. Pass the project file with -f FILE.`,
      2,
    );
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new CliError(`${file} is not valid YAML: ${(err as Error).message}`, 2);
  }
  const loop = (doc as { loop?: unknown } | null)?.loop;
  if (typeof loop !== 'object' || loop === null || Array.isArray(loop))
    throw new CliError(
      `${file} has no 'loop:' mapping; add one (model, train, triggers, gate, rollout — see docs/loop.md).`,
      2,
    );
  return { loop: loop as Record<string, unknown>, workdir: dirname(path) };
}

const short = (id: string) => id.slice(0, 8);
const runText = (r: LoopRun | undefined) => (r ? `${r.state} (${short(r.id)})` : '-');

export function registerLoopCommand(program: Command): void {
  const loop = program
    .command('loop')
    .description('Continuous training: trigger → train → gate → canary → promote or roll back, audited.');

  addClientOptions(
    loop
      .command('apply')
      .description(
        "Register the 'loop:' policy of mloop.yaml with the server (admins only: the server runs its commands).",
      )
      .option('-f, --file <file>', 'project file', 'mloop.yaml'),
  ).action(async (flags: ClientFlags & { file: string }) => {
    const { loop: policy, workdir } = await readLoopSection(flags.file);
    const status = await withClient(flags, (c) => c.applyLoop(policy, workdir));
    const out = await import('./output.js');
    if (flags.json) return out.printJson(status);
    const p = status.policy;
    console.log(
      out.fields([
        ['model', p.model],
        ['revision', String(status.revision)],
        ['deployment', p.deployment ?? '-'],
        ['train', p.train.command],
        ['workdir', p.workdir],
        ['triggers', p.triggers.map((t) => t.kind).join(', ') || 'manual only'],
        ['gate', `${p.gate.using}${p.gate.bounds.length ? ` ${p.gate.bounds.join(' ')}` : ''}`],
        [
          'rollout',
          p.rollout.canary
            ? `canary ${p.rollout.canary}%${p.rollout.bakeRequests ? `, ${p.rollout.bakeRequests} requests` : ''}${p.rollout.bakeMs ? `, ${p.rollout.bakeMs / 1000} s` : ''}`
            : 'no canary',
        ],
        ['approval', p.approval],
      ]),
    );
  });

  addClientOptions(
    loop
      .command('status')
      .description('What each loop is doing (or one model’s loop in detail).')
      .argument('[model]', 'registered model'),
  ).action(async (model: string | undefined, flags: ClientFlags) => {
    const out = await import('./output.js');
    if (model) {
      const s = await withClient(flags, (c) => c.getLoop(model));
      if (flags.json) return out.printJson(s);
      console.log(
        out.fields([
          ['model', s.model],
          ['revision', String(s.revision)],
          ['active', runText(s.active)],
          ['queued', runText(s.queued)],
          ['last', s.last ? `${runText(s.last)} ${s.last.reason ?? ''}`.trim() : '-'],
          ['challenger', s.active?.challengerVersion ? `v${s.active.challengerVersion}` : '-'],
        ]),
      );
      return;
    }
    const { items } = await withClient(flags, (c) => c.listLoops());
    if (flags.json) return out.printJson({ items });
    if (!items.length) return out.note('No loop policies; register one with `mloop loop apply`.');
    console.log(
      out.table(
        ['MODEL', 'ACTIVE', 'QUEUED', 'LAST', 'REVISION'],
        items.map((s: LoopStatus) => [
          s.model,
          runText(s.active),
          runText(s.queued),
          runText(s.last),
          String(s.revision),
        ]),
      ),
    );
  });

  addClientOptions(
    loop
      .command('run')
      .description('Trigger a loop run by hand (it queues if one is in flight).')
      .argument('<model>', 'registered model')
      .option('--reason <text>', 'why, recorded in the audit trail'),
  ).action(async (model: string, flags: ClientFlags & { reason?: string }) => {
    const r = await withClient(flags, (c) => c.startLoopRun(model, flags.reason));
    const out = await import('./output.js');
    if (flags.json) return out.printJson(r);
    const what =
      r.outcome === 'started'
        ? 'started'
        : r.outcome === 'queued'
          ? 'queued behind the run in flight'
          : 'recorded on the run already queued';
    console.log(`Loop run ${r.run.id} of ${model} ${what}. Follow it with: mloop loop history ${model}`);
  });

  addClientOptions(
    loop
      .command('history')
      .description("The audit trail of a model's loop: every decision, newest last.")
      .argument('<model>', 'registered model')
      .option('--run <id>', 'only this run'),
  ).action(async (model: string, flags: ClientFlags & { run?: string }) => {
    const [{ items: runs }, { items: all }] = await withClient(flags, (c) =>
      Promise.all([c.listLoopRuns(model), c.loopEvents(model)]),
    );
    const events = flags.run ? all.filter((e: LoopEvent) => e.runId.startsWith(flags.run!)) : all;
    const out = await import('./output.js');
    if (flags.json) return out.printJson({ runs, events });
    if (!events.length) return out.note(`No loop runs of ${model} yet.`);
    console.log(
      out.table(
        ['TIME', 'RUN', 'EVENT', 'STATE', 'MESSAGE'],
        events.map((e: LoopEvent) => [
          out.formatTime(e.timestamp),
          short(e.runId),
          e.kind,
          e.state,
          out.truncate(e.message, 110),
        ]),
      ),
    );
  });

  addClientOptions(
    loop
      .command('show')
      .description('One loop run with all its events and their evidence.')
      .argument('<run>', 'loop run id'),
  ).action(async (id: string, flags: ClientFlags) => {
    const detail = await withClient(flags, (c) => c.getLoopRun(id));
    const out = await import('./output.js');
    if (flags.json) return out.printJson(detail);
    const r = detail.run;
    console.log(
      out.fields([
        ['run', r.id],
        ['model', r.model],
        ['state', r.state],
        ['trigger', r.trigger.kind],
        ['champion', r.championVersion ? `v${r.championVersion}` : '-'],
        ['challenger', r.challengerVersion ? `v${r.challengerVersion}` : '-'],
        ['started', out.formatTime(r.creationTimestamp)],
        ['duration', out.formatDuration(r.creationTimestamp, r.finishedTimestamp)],
        ...(r.reason ? ([['reason', r.reason]] as [string, string][]) : []),
      ]),
    );
    for (const e of detail.events) {
      console.log(`\n${out.formatTime(e.timestamp)}  ${e.kind} → ${e.state}  (${e.actor})\n  ${e.message}`);
      if (e.evidence !== undefined)
        console.log(`  evidence: ${out.truncate(JSON.stringify(e.evidence), 400)}`);
    }
  });

  for (const [name, description] of [
    ['approve', 'Approve the promotion of a run awaiting approval (approval: manual).'],
    ['reject', 'Reject a run in its canary or awaiting approval; traffic goes back to the champion.'],
  ] as const)
    addClientOptions(
      loop
        .command(name)
        .description(description)
        .argument('<run>', 'loop run id')
        .option('--reason <text>', 'why, recorded in the audit trail'),
    ).action(async (id: string, flags: ClientFlags & { reason?: string }) => {
      const r = await withClient(flags, (c) =>
        name === 'approve' ? c.approveLoopRun(id) : c.rejectLoopRun(id, flags.reason),
      );
      const out = await import('./output.js');
      if (flags.json) return out.printJson(r);
      console.log(
        name === 'approve'
          ? `Approved: ${r.model} v${r.challengerVersion} is being promoted.`
          : `Rejected: ${r.model} v${r.challengerVersion} is being rolled back.`,
      );
    });
}
