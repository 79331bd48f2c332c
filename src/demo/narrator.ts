import pc from 'picocolors';
import type { Progress } from '../data/progress.js';

/**
 * How the demo tells its story: numbered steps and lines of facts. In human mode they go to stdout; with `--json`
 * they go to stderr so that stdout holds only the summary document.
 */
export interface Narrator {
  step(title: string): void;
  say(text: string): void;
  /** A result that matters to the story (a verdict, a decision), highlighted. */
  outcome(text: string, good: boolean): void;
  /** Progress of long work (reading, training), drawn only on a terminal. */
  progress: Progress;
  onIteration?: (p: { iteration: number; total: number; trainLoss: number }) => void;
}

export function streamNarrator(
  stream: NodeJS.WritableStream,
  progress: Progress,
  onIteration?: Narrator['onIteration'],
): Narrator {
  let steps = 0;
  const started = Date.now();
  const clock = () => pc.dim(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s]`);
  return {
    step(title) {
      steps++;
      stream.write(`\n${clock()} ${pc.bold(pc.cyan(`${steps}. ${title}`))}\n`);
    },
    say(text) {
      stream.write(`${clock()}    ${text}\n`);
    },
    outcome(text, good) {
      stream.write(`${clock()}    ${good ? pc.green('✔') : pc.yellow('✘')} ${pc.bold(text)}\n`);
    },
    progress,
    ...(onIteration ? { onIteration } : {}),
  };
}

export const count = (n: number): string => n.toLocaleString('en-US');
export const fixed = (n: number | undefined, digits = 3): string =>
  n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits);
export const percent = (n: number): string => `${(100 * n).toFixed(1)}%`;
export const MONTHS = ['', 'January', 'February', 'March', 'April', 'May', 'June', 'July'];
