import { Component, type ReactNode } from 'react';
import { ErrorBox } from './status';

/** A bug in one view shows an error in its place instead of a blank page. */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey: string }, { error?: Error }> {
  override state: { error?: Error } = {};

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidUpdate(prev: { resetKey: string }) {
    if (prev.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: undefined });
  }

  override render() {
    return this.state.error ? (
      <main className="main page">
        <ErrorBox
          error={this.state.error}
          title="This view failed"
          retry={() => this.setState({ error: undefined })}
        />
      </main>
    ) : (
      this.props.children
    );
  }
}
