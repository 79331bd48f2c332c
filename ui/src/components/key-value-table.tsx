import type { ReactNode } from 'react';

/** A two-column table of names and values (params, tags, attributes). */
export function KeyValueTable({
  rows,
  empty = 'None.',
  label,
}: {
  rows: [string, ReactNode][];
  empty?: string;
  label: string;
}) {
  if (rows.length === 0) return <p className="muted">{empty}</p>;
  return (
    <table className="kv" aria-label={label}>
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
