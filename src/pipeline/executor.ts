import type { HashedPath } from './lock.js';
import type { CommandResult } from './run-command.js';
import type { Stage } from './spec.js';

/** One attempt at running a stage whose cache key missed. */
export interface StageTask {
  stage: Stage;
  key: string;
  /** Hashed deps (content the executor may need to fetch). */
  deps: HashedPath[];
  attempt: number;
  /** Absolute path of the stage's log file in the project. */
  logFile: string;
  /** Extra environment for the command (MLOOP_STAGE, MLOOP_RUN_ID, …). */
  env: Record<string, string>;
  onLine: (line: string, stream: 'stdout' | 'stderr') => void;
  signal: AbortSignal;
}

export type ExecOutcome =
  | { ok: true; outs: HashedPath[] }
  | { ok: false; result: CommandResult; missing?: string[]; message?: string };

/**
 * Where stage commands run. Whatever the executor, a successful attempt leaves every output hashed, stored in the
 * content-addressed cache and present in the project's working tree; a failed one records nothing.
 */
export interface Executor {
  execute(task: StageTask): Promise<ExecOutcome>;
  close(): Promise<void>;
}
