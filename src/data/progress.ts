/** Progress of long work (hashing, profiling, transfers); the CLI draws it on stderr when that is a terminal. */
export interface Progress {
  /** Starts a phase; `total` in bytes when known. */
  phase(label: string, total?: number): void;
  /** Bytes (or items) done so far in the current phase. */
  update(done: number): void;
  end(): void;
}

export const SILENT: Progress = { phase() {}, update() {}, end() {} };
