import { Command, CommanderError } from 'commander';
import { isMloopError } from '../core/errors.js';
import { VERSION } from '../server/version.js';
import { registerServerCommand } from './server-command.js';

/** Exit codes scripts can rely on. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export function buildProgram(): Command {
  const program = new Command('mloop')
    .description('The MLOps loop in one tool: track, version, train, register, deploy, monitor, retrain.')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  registerServerCommand(program);
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
    if (isMloopError(err)) {
      console.error(`mloop: ${err.message}`);
      return EXIT.failure;
    }
    console.error(err);
    return EXIT.failure;
  }
}
