/** Progress of long work (hashing, profiling, transfers); the CLI draws it on stderr when that is a terminal. */
export interface Progress {
  /** Starts a phase; `total` when known, in `unit` (bytes by default). */
  phase(label: string, total?: number, unit?: 'bytes' | 'rows'): void;
  /** Bytes (or items) done so far in the current phase. */
  update(done: number): void;
  end(): void;
}

export const SILENT: Progress = { phase() {}, update() {}, end() {} };
