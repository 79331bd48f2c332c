import { MloopError } from '../core/errors.js';

/** Where in a data file something went wrong; every field that is known is named in the message. */
export interface DataLocation {
  file: string;
  /** 1-based line of a text file. */
  line?: number;
  /** 1-based data row (the header is not a row). */
  row?: number;
  /** Column name, or 1-based position when the name is unknown. */
  column?: string | number;
  /** Byte offset in the file (0-based), for binary formats and encoding errors. */
  byte?: number;
}

export function describeLocation(loc: DataLocation): string {
  const parts: string[] = [];
  if (loc.line !== undefined) parts.push(`line ${loc.line}`);
  if (loc.row !== undefined) parts.push(`row ${loc.row}`);
  if (loc.column !== undefined)
    parts.push(
      typeof loc.column === 'number' ? `column ${loc.column}` : `column ${JSON.stringify(loc.column)}`,
    );
  if (loc.byte !== undefined) parts.push(`byte ${loc.byte}`);
  return parts.length ? `${loc.file}: ${parts.join(', ')}` : loc.file;
}

/** Bad input in a data file: the message starts with the file and position, then says what is wrong. */
export class DataError extends MloopError {
  constructor(
    readonly location: DataLocation,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super('INVALID_PARAMETER_VALUE', `${describeLocation(location)}: ${detail}`, options);
  }
}
