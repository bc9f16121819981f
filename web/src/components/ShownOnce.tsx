import { useState, type ReactNode } from "react";

/** A secret shown the one time the API answers it, with a copy button; `mark` names it for the tests. */
export function ShownOnce({ value, copyLabel, mark, children }: { value: string; copyLabel: string; mark: string; children: ReactNode }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard?.writeText(value).catch(() => undefined);
    setCopied(true);
  };
  return (
    <div role="status" className="secret">
      <p>{children}</p>
      <p>
        <code data-shown-once={mark}>{value}</code>{" "}
        <button type="button" onClick={copy}>
          {copied ? "Copied" : copyLabel}
        </button>
      </p>
    </div>
  );
}
