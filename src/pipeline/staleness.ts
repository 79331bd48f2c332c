import { canonical, definitionHash } from './fingerprint.js';
import type { HashedPath, LockEntry } from './lock.js';
import { producedPaths, type Stage } from './spec.js';

export interface Reason {
  code:
    | 'never-run'
    | 'always-changed'
    | 'changed-command'
    | 'changed-definition'
    | 'changed-dep'
    | 'missing-dep'
    | 'new-dep'
    | 'removed-dep'
    | 'changed-param'
    | 'new-param'
    | 'removed-param'
    | 'missing-output'
    | 'modified-output'
    | 'upstream-stale';
  /** The path, param key or upstream stage concerned. */
  subject?: string;
  message: string;
}

const show = (v: unknown) => (v === undefined ? '(none)' : canonical(v));

/**
 * Why a stage must run, comparing what is on disk now with its lock entry. Pure: hashes are computed by the caller
 * (`undefined` = path absent). An empty list means the stage is up to date.
 */
export function staleness(
  stage: Stage,
  entry: LockEntry | undefined,
  deps: ReadonlyMap<string, HashedPath | undefined>,
  outs: ReadonlyMap<string, HashedPath | undefined>,
  staleUpstream: readonly string[] = [],
): Reason[] {
  if (!entry) return [{ code: 'never-run', message: 'never run (no entry in mloop.lock)' }];
  const reasons: Reason[] = [];
  if (stage.alwaysChanged) reasons.push({ code: 'always-changed', message: 'always_changed is set' });
  if (canonical(entry.cmd) !== canonical(stage.cmd))
    reasons.push({ code: 'changed-command', message: 'changed command' });
  if (entry.definition !== definitionHash(stage))
    reasons.push({
      code: 'changed-definition',
      message: 'changed stage definition (outs, metrics, plots, wdir or env)',
    });
  for (const u of staleUpstream)
    reasons.push({ code: 'upstream-stale', subject: u, message: `upstream stage ${u} will run` });
  const locked = new Map(entry.deps.map((d) => [d.path, d]));
  for (const [path, now] of deps) {
    const before = locked.get(path);
    if (!before) reasons.push({ code: 'new-dep', subject: path, message: `new dep ${path}` });
    else if (!now) reasons.push({ code: 'missing-dep', subject: path, message: `missing dep ${path}` });
    else if (now.hash !== before.hash)
      reasons.push({ code: 'changed-dep', subject: path, message: `changed dep ${path}` });
  }
  for (const path of locked.keys())
    if (!deps.has(path)) reasons.push({ code: 'removed-dep', subject: path, message: `removed dep ${path}` });
  for (const [key, value] of Object.entries(stage.params)) {
    if (!(key in entry.params))
      reasons.push({ code: 'new-param', subject: key, message: `new param ${key}` });
    else if (canonical(entry.params[key]) !== canonical(value))
      reasons.push({
        code: 'changed-param',
        subject: key,
        message: `changed param ${key} (${show(entry.params[key])} -> ${show(value)})`,
      });
  }
  for (const key of Object.keys(entry.params))
    if (!(key in stage.params))
      reasons.push({ code: 'removed-param', subject: key, message: `removed param ${key}` });
  const lockedOuts = new Map(entry.outs.map((o) => [o.path, o]));
  for (const path of producedPaths(stage)) {
    const now = outs.get(path);
    if (!now) reasons.push({ code: 'missing-output', subject: path, message: `missing output ${path}` });
    else if (now.hash !== lockedOuts.get(path)?.hash)
      reasons.push({ code: 'modified-output', subject: path, message: `modified output ${path}` });
  }
  return reasons;
}
