export function StatusPill({ status }: { status: string | undefined }) {
  const s = (status ?? 'UNKNOWN').toLowerCase();
  return <span className={`pill pill-${s}`}>{s}</span>;
}
