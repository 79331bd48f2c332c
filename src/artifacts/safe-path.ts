import { invalid, show } from '../core/errors.js';

/**
 * One class of artifact path that is refused. The list is the test checklist of MLflow's path-traversal history
 * (reference/mlflow.md §5.1 A and C): each entry exists because a real bypass used it.
 */
export interface RejectedPathClass {
  readonly id: string;
  /** Completes "… supplied: <reason>" in the error message. */
  readonly reason: string;
  readonly test: (form: string, segments: readonly string[]) => boolean;
}

/** Checked in order against the raw value and every percent-decoded form of it; the first match is reported. */
export const REJECTED_PATH_CLASSES: readonly RejectedPathClass[] = [
  {
    id: 'control-character',
    reason: 'contains NUL or another control character',
    // NUL truncates paths in C libraries; other controls forge log lines and terminal output.
    test: (form) => /\p{Cc}/u.test(form),
  },
  {
    id: 'backslash',
    reason: "contains a backslash ('\\'), which Windows treats as a separator (CVE-2023-2780)",
    test: (form) => form.includes('\\'),
  },
  {
    id: 'fragment',
    reason: "contains '#', which ends the path in a URL (CVE-2024-3848)",
    test: (form) => form.includes('#'),
  },
  {
    id: 'path-parameter',
    reason: "contains ';', which starts path parameters in a URL (CVE-2024-1593)",
    test: (form) => form.includes(';'),
  },
  {
    id: 'query',
    // `a?x=../../b` is harmless on a filesystem but escapes once the path is placed in a URL (MLflow PR #10653).
    reason: "contains '?', which starts a query string in a URL",
    test: (form) => form.includes('?'),
  },
  {
    id: 'absolute',
    reason: "is absolute (starts with '/'); also covers '//host' forms",
    test: (form) => form.startsWith('/'),
  },
  {
    id: 'drive-letter',
    reason: "starts with a Windows drive letter such as 'C:'",
    test: (form) => /^[A-Za-z]:/.test(form),
  },
  {
    id: 'uri-scheme',
    reason: "starts with a URI scheme such as 'file:' or 's3:'",
    test: (form) => /^[A-Za-z][A-Za-z0-9+.-]*:/.test(form),
  },
  {
    id: 'parent-segment',
    reason: "contains a '..' segment",
    test: (_form, segments) => segments.includes('..'),
  },
  {
    id: 'dot-segment',
    // Windows drops trailing dots and spaces from a name, so '... ' or '.. .' would act as '..' there.
    reason: "contains a '.' segment or one made only of dots and spaces",
    test: (_form, segments) => segments.some((s) => s.includes('.') && /^[. ]+$/.test(s)),
  },
  {
    id: 'empty-segment',
    reason: "contains an empty segment ('a//b')",
    test: (_form, segments) => segments.includes(''),
  },
];

const VALID_FORM = "Artifact paths are relative POSIX paths such as 'model/MLmodel'.";

/** MLflow's `_decode` stops after 10 rounds; a value still changing then is refused rather than trusted. */
const MAX_DECODE_ROUNDS = 10;

/**
 * Validates an artifact path received from a client and returns it normalized: relative, '/'-separated, one trailing
 * '/' removed. The value itself is returned undecoded: transport decoding already happened once, and a file may
 * really be named '100%25.txt'. But decoders downstream (proxies, URL builders, S3 gateways) may decode again, so
 * every class is checked on the raw value and on each percent-decoded form — validating only the raw form was
 * CVE-2023-6909, and stopping after one decode was CVE-2024-1560.
 */
export function safeArtifactPath(raw: string, field: string, opts: { allowEmpty?: boolean } = {}): string {
  if (raw === '') {
    if (opts.allowEmpty) return '';
    throw invalid(`Missing value for required parameter '${field}'. ${VALID_FORM}`);
  }
  const forms = decodedForms(raw);
  if (forms === undefined) {
    throw invalid(
      `Invalid value ${show(raw)} for parameter '${field}' supplied: it is still percent-encoded after ` +
        `${MAX_DECODE_ROUNDS} rounds of decoding. ${VALID_FORM}`,
    );
  }
  for (const form of forms) {
    const segments = stripTrailingSlash(form).split('/');
    const hit = REJECTED_PATH_CLASSES.find((c) => c.test(form, segments));
    if (hit) {
      const decoded = form === raw ? '' : ` (after percent-decoding to ${show(form)})`;
      throw invalid(
        `Invalid value ${show(raw)} for parameter '${field}' supplied: it ${hit.reason}${decoded}. ${VALID_FORM}`,
      );
    }
  }
  return stripTrailingSlash(raw);
}

/** Joins already-safe paths (results of `safeArtifactPath` or trusted prefixes); empty parts are skipped. */
export function joinArtifactPath(...parts: string[]): string {
  return parts
    .map(stripTrailingSlash)
    .filter((p) => p !== '')
    .join('/');
}

function stripTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** The raw value followed by each distinct decoding of it; undefined when it has not settled after the limit. */
function decodedForms(raw: string): string[] | undefined {
  const forms = [raw];
  let current = raw;
  for (let round = 0; round < MAX_DECODE_ROUNDS; round++) {
    const next = percentDecode(current);
    if (next === current) return forms;
    forms.push(next);
    current = next;
  }
  return percentDecode(current) === current ? forms : undefined;
}

/**
 * Python's `urllib.parse.unquote`: runs of %XX are decoded as UTF-8 with U+FFFD for invalid bytes, and malformed
 * escapes ('100%') are left alone — `decodeURIComponent` would throw on those instead.
 */
function percentDecode(value: string): string {
  return value.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) =>
    Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'),
  );
}
