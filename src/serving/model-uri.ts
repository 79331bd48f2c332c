import { invalid, show } from '../core/errors.js';
import { validateModelName } from '../registry/validation.js';

/** `models:/name/3`, `models:/name/latest`, `models:/name/Production` or `models:/name@alias` → name and ref. */
export function parseModelUri(uri: string, field = 'model'): { name: string; ref: string } {
  const fail = () =>
    invalid(
      `Invalid ${field} ${show(uri)}: expected models:/<name>/<version>, models:/<name>@<alias> or models:/<name>/latest.`,
    );
  if (typeof uri !== 'string' || !uri.startsWith('models:/')) throw fail();
  const rest = uri.slice('models:/'.length);
  const at = rest.lastIndexOf('@');
  if (at > 0) {
    const alias = rest.slice(at + 1);
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(alias)) throw fail();
    return { name: validateModelName(rest.slice(0, at), field), ref: `@${alias}` };
  }
  const slash = rest.lastIndexOf('/');
  if (slash <= 0) throw fail();
  const ref = rest.slice(slash + 1);
  if (!/^([1-9]\d{0,9}|latest|None|Staging|Production|Archived)$/i.test(ref)) throw fail();
  return { name: validateModelName(rest.slice(0, slash), field), ref };
}
