import { useRef, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { useApp } from "../context";
import { summary } from "../api/problem";
import { currentJob } from "./ExportButton";

const POLL_MS = 500;

type Outcome = { text: string; errorsUrl?: string };

/** How an import ended, in a sentence. */
function told(result: Record<string, unknown> | null | undefined): string {
  const count = (name: string) => Number(result?.[name] ?? 0);
  const refused = count("failed");
  const rows = `${count("created")} created, ${count("updated")} updated, ${count("unchanged")} unchanged`;
  return refused === 0 ? `Imported: ${rows}.` : `Imported: ${rows}; ${refused} ${refused === 1 ? "row was" : "rows were"} refused.`;
}

/**
 * Imports a CSV file of leads or customers: puts the file through an upload link, starts the import, shows
 * how far it got, then what it did, with the refused rows (and why) to download, and refreshes the list.
 */
export function ImportButton({ kind }: { kind: "lead" | "customer" }) {
  const { api } = useApp();
  const queries = useQueryClient();
  const input = useRef<HTMLInputElement>(null);
  const [progress, setProgress] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const run = async (file: File) => {
    setProblem(null);
    setOutcome(null);
    setProgress("Uploading…");
    try {
      const link = await api.POST("/api/v1/uploads", { body: { bytes: file.size } });
      if (!link.data) throw link.error;
      const put = await fetch(link.data.url, { method: "PUT", headers: link.data.headers, body: file });
      if (!put.ok) throw new Error(`The upload failed (${put.status}).`);
      const started = await api.POST("/api/v1/imports", { body: { kind, upload_id: link.data.id } });
      if (!started.data) throw started.error;
      for (;;) {
        const job = await currentJob(api, started.data.id);
        if (job.status === "failed") throw new Error(job.error ?? "The import failed.");
        if (job.status === "succeeded") {
          const result = job.result as Record<string, unknown> | null | undefined;
          setOutcome({ text: told(result), errorsUrl: job.download?.url });
          await queries.invalidateQueries({ queryKey: [kind === "lead" ? "leads" : "customers"] });
          return;
        }
        setProgress(`Importing… ${job.percent ?? 0}%`);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    } catch (error) {
      setProblem(error instanceof Error ? error.message : summary(error));
    } finally {
      setProgress(null);
      if (input.current) input.current.value = "";
    }
  };
  return (
    <>
      <input
        ref={input}
        type="file"
        accept=".csv,text/csv"
        hidden
        aria-label="CSV file to import"
        onChange={(event) => {
          const file = event.target.files?.[0];
          if (file) void run(file);
        }}
      />
      <button type="button" className="secondary" onClick={() => input.current?.click()} disabled={progress !== null}>
        {progress ?? "Import CSV"}
      </button>
      {outcome && (
        <p role="status" className="notice">
          {outcome.text}
          {outcome.errorsUrl && (
            <>
              {" "}
              <a href={outcome.errorsUrl}>Download the refused rows</a>
            </>
          )}
        </p>
      )}
      {problem && (
        <p role="alert" className="form-error notice">
          {problem}
        </p>
      )}
    </>
  );
}
