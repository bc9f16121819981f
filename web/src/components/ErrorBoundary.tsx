import { Component, type ErrorInfo, type ReactNode } from "react";

interface State {
  error: Error | null;
}

/** A screen that failed shows what happened and a way on, never a blank page. */
export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo) {
    console.error("the page failed", error, info.componentStack);
  }

  render() {
    if (!this.state.error) return this.props.children;
    return (
      <main className="centered">
        <h1>Something went wrong on this page</h1>
        <p role="alert">{this.state.error.message}</p>
        <p>
          <a href="/leads">Back to the leads</a> or <button type="button" onClick={() => window.location.reload()}>reload</button>
        </p>
      </main>
    );
  }
}
