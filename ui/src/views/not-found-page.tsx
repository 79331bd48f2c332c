import { Link, useLocation } from 'wouter';
import { Empty } from '../components/status';

export function NotFoundPage() {
  const [location] = useLocation();
  return (
    <main className="main page">
      <Empty title={`Nothing at ${location}`}>
        The address may be mistyped, or what it named was deleted.{' '}
        <Link href="/experiments">Go to experiments</Link>.
      </Empty>
    </main>
  );
}
