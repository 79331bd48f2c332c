import { writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { loadPlots, selectPlots } from '../pipeline/plots.js';
import { confusion, plotsHtml, seriesOf } from '../pipeline/plots-svg.js';
import { asCliError, project } from './pipeline-actions.js';

export interface PlotsFlags {
  file?: string;
  out?: string;
  json?: boolean;
}

/**
 * `mloop plots show|diff`: the declared plot files (or the named ones) drawn into one standalone HTML file; `diff`
 * overlays each file's version at git HEAD and in the working tree, as `metrics diff` compares metrics files.
 */
export async function plotsCommand(
  mode: 'show' | 'diff',
  targets: string[],
  flags: PlotsFlags,
): Promise<void> {
  const p = project(flags);
  const root = p.pipeline.root;
  let loaded: ReturnType<typeof loadPlots>;
  try {
    loaded = loadPlots(
      root,
      selectPlots(p.pipeline, targets),
      mode === 'diff' ? ['HEAD', 'workspace'] : ['workspace'],
    );
  } catch (err) {
    throw asCliError(err);
  }
  const { plots, missing } = loaded;
  for (const m of missing)
    process.stderr.write(
      `mloop: plots: ${m} ${mode === 'diff' ? 'is neither at git HEAD nor in the working tree' : 'does not exist yet (run mloop repro)'}; skipped.\n`,
    );
  const out = flags.out ?? (flags.json ? undefined : 'plots.html');
  if (out) {
    const heading = mode === 'diff' ? 'mloop plots diff: git HEAD vs workspace' : 'mloop plots';
    writeFileSync(resolve(out), plotsHtml(plots, heading));
  }
  if (flags.json) {
    console.log(
      JSON.stringify(
        {
          ...(out ? { out: resolve(out) } : {}),
          missing,
          plots: plots.map(({ revisions, ...plot }) => ({
            ...plot,
            revisions: revisions.map((r) => r.rev),
            ...(plot.template === 'confusion'
              ? {
                  matrices: revisions.map((r) => ({ rev: r.rev, ...confusion(r.rows, plot.x, plot.y[0]!) })),
                }
              : { series: seriesOf({ ...plot, revisions }) }),
          })),
        },
        null,
        2,
      ),
    );
    return;
  }
  const shown = relative(process.cwd(), resolve(out!)) || out!;
  console.log(
    plots.length
      ? `${plots.length} plot${plots.length > 1 ? 's' : ''} (${plots.map((x) => x.path).join(', ')}) written to ${shown}.`
      : `No plots to draw${missing.length ? '' : ': declare plot files with `plots:` in a stage'}; wrote an empty ${shown}.`,
  );
}
