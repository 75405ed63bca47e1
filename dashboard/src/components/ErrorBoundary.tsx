import { Component, type ErrorInfo, type ReactNode } from "react";

/**
 * A page that throws while rendering (or whose chunk fails to load after a deploy) shows a message
 * instead of blanking the whole app; the header and filters stay usable.
 */
export class ErrorBoundary extends Component<{ fallback: (error: Error, reset: () => void) => ReactNode; resetKey: string; children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidUpdate(previous: { resetKey: string }) {
    // Another page or other filters: try again.
    if (previous.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: null });
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error("page failed to render", error, info.componentStack);
  }

  override render() {
    return this.state.error ? this.props.fallback(this.state.error, () => this.setState({ error: null })) : this.props.children;
  }
}
