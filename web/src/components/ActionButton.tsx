import { useState } from "react";
import { summary } from "../api/problem";

/** A toolbar button that runs `action` once at a time, says so while it runs, and says why it failed. */
export function ActionButton({ label, working, action }: { label: string; working: string; action: () => Promise<void> }) {
  const [running, setRunning] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const run = async () => {
    setRunning(true);
    setProblem(null);
    try {
      await action();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : summary(error));
    } finally {
      setRunning(false);
    }
  };
  return (
    <>
      <button type="button" className="secondary" onClick={() => void run()} disabled={running}>
        {running ? working : label}
      </button>
      {problem && (
        <p role="alert" className="form-error notice">
          {problem}
        </p>
      )}
    </>
  );
}
