/** Structured serving logs: one JSON object per line, `event` first. */
export type ServingLogger = (
  level: 'info' | 'warn' | 'error',
  event: string,
  fields?: Record<string, unknown>,
) => void;

export const stderrLogger: ServingLogger = (level, event, fields = {}) => {
  process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), level, event, ...fields })}\n`);
};

export const silentLogger: ServingLogger = () => undefined;
