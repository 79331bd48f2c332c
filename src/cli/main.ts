import { Command, CommanderError } from 'commander';
import { isMloopError } from '../core/errors.js';
import { MloopApiError } from '../sdk/errors.js';
import { VERSION } from '../server/version.js';
import { registerAccessCommands } from './access-commands.js';
import { CliError } from './cli-error.js';
import { registerDataCommand } from './data-command.js';
import { registerDemoCommand } from './demo-command.js';
import { registerDeployCommand } from './deploy-command.js';
import { registerExperimentsCommand } from './experiments-command.js';
import { registerLearnCommands } from './learn-commands.js';
import { registerLoopCommand } from './loop-command.js';
import { registerModelsCommand } from './models-command.js';
import { addDriftCommand, registerMonitorCommand } from './monitor-command.js';
import { LIVE_MONITOR_COMMANDS } from './monitor-live-commands.js';
import { registerPipelineCommands } from './pipeline-command.js';
import { registerRunsCommand } from './runs-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerServerCommand } from './server-command.js';

/** Exit codes scripts can rely on. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * Declares every command. Declarations are cheap; what a command needs to run (stores, the HTTP app, table
 * rendering) is imported inside its action, so `mloop --help` loads none of it.
 */
export function buildProgram(): Command {
  const program = new Command('mloop')
    .description('The MLOps loop in one tool: track, version, train, register, deploy, monitor, retrain.')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  registerDemoCommand(program);
  registerServerCommand(program);
  registerExperimentsCommand(program);
  registerRunsCommand(program);
  registerModelsCommand(program);
  registerAccessCommands(program);
  registerDeployCommand(program);
  registerServeCommand(program);
  registerDataCommand(program);
  registerMonitorCommand(program, [addDriftCommand, ...LIVE_MONITOR_COMMANDS]);
  registerLearnCommands(program);
  registerPipelineCommands(program);
  registerLoopCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return Number(process.exitCode ?? EXIT.ok);
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof CliError) {
      console.error(`mloop: ${err.message}`);
      return err.exitCode;
    }
    if (err instanceof MloopApiError || isMloopError(err)) {
      console.error(`mloop: ${err.message}`);
      return EXIT.failure;
    }
    console.error(err);
    return EXIT.failure;
  }
}
