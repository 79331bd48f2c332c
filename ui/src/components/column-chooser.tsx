import { useEffect, useRef, useState } from 'react';
import type { KeySets } from '../lib/run-rows';

/** A popover of every metric, param and tag key seen in the loaded runs, each a column to show or hide. */
export function ColumnChooser({
  keys,
  chosen,
  onChange,
}: {
  keys: KeySets;
  chosen: string[];
  onChange(columns: string[]): void;
}) {
  const [open, setOpen] = useState(false);
  const [find, setFind] = useState('');
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  const set = new Set(chosen);
  const toggle = (id: string) => onChange(set.has(id) ? chosen.filter((c) => c !== id) : [...chosen, id]);
  const needle = find.toLowerCase();
  const groups = [
    { title: 'Metrics', prefix: 'metrics', list: keys.metrics },
    { title: 'Parameters', prefix: 'params', list: keys.params },
    { title: 'Tags', prefix: 'tags', list: keys.tags },
  ];

  return (
    <div className="popover-anchor" ref={box}>
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        Columns <span className="badge">{chosen.length}</span>
      </button>
      {open ? (
        <div className="popover" role="dialog" aria-label="Choose columns">
          <input
            type="search"
            placeholder="Find a key…"
            value={find}
            onChange={(e) => setFind(e.target.value)}
            aria-label="Find a key"
          />
          <div className="popover-list">
            {groups.map((g) => {
              const shown = g.list.filter((k) => k.toLowerCase().includes(needle));
              return (
                <fieldset key={g.prefix}>
                  <legend>
                    {g.title} <span className="muted">({g.list.length})</span>
                  </legend>
                  {shown.length === 0 ? <p className="muted small">None.</p> : null}
                  {shown.map((k) => {
                    const id = `${g.prefix}.${k}`;
                    return (
                      <label key={id} className="check-line">
                        <input type="checkbox" checked={set.has(id)} onChange={() => toggle(id)} />
                        <span title={k}>{k}</span>
                      </label>
                    );
                  })}
                </fieldset>
              );
            })}
          </div>
          <div className="popover-foot">
            <button type="button" className="link" onClick={() => onChange([])}>
              Hide all
            </button>
            <button type="button" onClick={() => setOpen(false)}>
              Done
            </button>
          </div>
        </div>
      ) : null}
    </div>
  );
}
