import { describe, expect, it } from 'vitest';
import { joinArtifactPath, REJECTED_PATH_CLASSES, safeArtifactPath } from '../../src/artifacts/safe-path.js';
import { MloopError } from '../../src/core/errors.js';

/** [value, class id expected to be reported]; the checklist of reference/mlflow.md §5.1 plus near variants. */
const refused: [string, string][] = [
  ['../etc/passwd', 'parent-segment'],
  ['a/../../etc/passwd', 'parent-segment'],
  ['a/..', 'parent-segment'],
  ['..', 'parent-segment'],
  ['..\\..\\etc\\passwd', 'backslash'],
  ['a\\b', 'backslash'],
  ['%2e%2e%2fetc%2fpasswd', 'parent-segment'],
  ['%2E%2E/etc', 'parent-segment'],
  ['..%2fetc', 'parent-segment'],
  ['%252e%252e%252fetc', 'parent-segment'],
  ['%25252e%25252e%25252fetc', 'parent-segment'],
  ['%5c..%5cetc', 'backslash'],
  ['a%00.txt', 'control-character'],
  ['a\u0000.txt', 'control-character'],
  ['a%2500.txt', 'control-character'],
  ['a\nb', 'control-character'],
  ['a\rb', 'control-character'],
  ['a\u007fb', 'control-character'],
  ['a%C2%85b', 'control-character'],
  ['a\u009bb', 'control-character'],
  ['model#frag', 'fragment'],
  ['x%23/y', 'fragment'],
  ['a;b', 'path-parameter'],
  ['..;/etc/passwd', 'path-parameter'],
  ['a%3bjsessionid=x', 'path-parameter'],
  ['a?x=../../etc', 'query'],
  ['/etc/passwd', 'absolute'],
  ['/', 'absolute'],
  ['%2fetc%2fpasswd', 'absolute'],
  ['//host/share/../etc', 'absolute'],
  ['file:///etc/passwd', 'uri-scheme'],
  ['file://etc/passwd', 'uri-scheme'],
  ['FiLe:///etc/passwd', 'uri-scheme'],
  ['s3://bucket/key', 'uri-scheme'],
  ['S3:bucket', 'uri-scheme'],
  ['http://169.254.169.254/latest', 'uri-scheme'],
  ['mlflow-artifacts:/x', 'uri-scheme'],
  ['file%3a%2f%2f%2fetc', 'uri-scheme'],
  ['C:/Windows/system.ini', 'drive-letter'],
  ['c:', 'drive-letter'],
  ['C%3a/x', 'drive-letter'],
  ['./model', 'dot-segment'],
  ['a/./b', 'dot-segment'],
  ['.', 'dot-segment'],
  ['a/%2e/b', 'dot-segment'],
  ['a/.../b', 'dot-segment'],
  ['a/.. /b', 'dot-segment'],
  ['a//b', 'empty-segment'],
  ['a%2f%2fb', 'empty-segment'],
  ['a//', 'empty-segment'],
];

/** The Error a call throws, so a test can assert on code and message together. */
function thrown(fn: () => unknown): MloopError {
  try {
    fn();
  } catch (err) {
    if (err instanceof MloopError) return err;
    throw err;
  }
  throw new Error('expected a MloopError, nothing was thrown');
}

describe('safeArtifactPath', () => {
  it.each(refused)('refuses %j (%s)', (value, classId) => {
    const err = thrown(() => safeArtifactPath(value, 'path'));
    expect(err.code).toBe('INVALID_PARAMETER_VALUE');
    const reason = REJECTED_PATH_CLASSES.find((c) => c.id === classId)?.reason;
    expect(reason).toBeDefined();
    expect(err.message).toContain(`it ${reason}`);
    expect(err.message).toContain("parameter 'path'");
    expect(err.message).toContain('model/MLmodel');
  });

  it('names the field and the received value', () => {
    const err = thrown(() => safeArtifactPath('../x', 'artifact_path'));
    expect(err.message).toContain("'artifact_path'");
    expect(err.message).toContain('"../x"');
  });

  it('shows the decoded form that failed', () => {
    const err = thrown(() => safeArtifactPath('%252e%252e%252fetc', 'path'));
    expect(err.message).toContain('after percent-decoding to "../etc"');
  });

  it('decodes up to 10 rounds, like MLflow, and refuses values still encoded after that', () => {
    const encode = (value: string, times: number) => {
      let out = value;
      for (let i = 0; i < times; i++) out = out.replace(/%/g, '%25');
      return out;
    };
    expect(safeArtifactPath(encode('a%41', 9), 'path')).toBe(encode('a%41', 9));
    expect(thrown(() => safeArtifactPath(encode('%2e%2e/x', 9), 'path')).message).toContain("'..' segment");
    const err = thrown(() => safeArtifactPath(encode('%2e%2e/x', 10), 'path'));
    expect(err.code).toBe('INVALID_PARAMETER_VALUE');
    expect(err.message).toContain('10 rounds');
  });

  it('refuses the empty path unless the root is allowed', () => {
    expect(thrown(() => safeArtifactPath('', 'path')).message).toContain(
      "Missing value for required parameter 'path'",
    );
    expect(safeArtifactPath('', 'path', { allowEmpty: true })).toBe('');
  });

  it.each([
    'model/MLmodel',
    'model',
    'a b/c.txt',
    'données/modèle.onnx',
    '模型/权重.bin',
    'emoji/🚀.txt',
    'metrics/2024-01-01T10:00:00.json',
    'a/b/c/d/e/f.tar.gz',
    '.hidden/.config',
    '..foo/bar..',
    'a..b',
    'report 100%.html',
    'name%20with%20escapes',
    '-dash/_under~score',
  ])('accepts %j unchanged', (value) => {
    expect(safeArtifactPath(value, 'path')).toBe(value);
  });

  it('drops one trailing slash', () => {
    expect(safeArtifactPath('model/', 'path')).toBe('model');
    expect(safeArtifactPath('a/b/', 'path', { allowEmpty: true })).toBe('a/b');
  });

  it('documents every class with an id and a reason', () => {
    const ids = REJECTED_PATH_CLASSES.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of new Set(refused.map(([, id]) => id))) expect(ids).toContain(id);
    for (const id of ids) expect(refused.some(([, used]) => used === id)).toBe(true);
  });
});

describe('joinArtifactPath', () => {
  it('joins with / and skips empty parts', () => {
    expect(joinArtifactPath('exp/run/artifacts', 'model/MLmodel')).toBe('exp/run/artifacts/model/MLmodel');
    expect(joinArtifactPath('', 'model')).toBe('model');
    expect(joinArtifactPath('prefix/', '')).toBe('prefix');
    expect(joinArtifactPath()).toBe('');
  });
});
