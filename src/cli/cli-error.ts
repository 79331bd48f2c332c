/** An error the CLI reports as `mloop: <message>` (no stack) and exits with `exitCode` (1 failure, 2 usage). */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
