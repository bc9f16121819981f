import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { useApp, useSession } from "../context";
import { summary } from "../api/problem";
import { ActionButton } from "./ActionButton";
import { currentJob } from "./ExportButton";

const REASONS: Record<string, string> = { same_email: "same email", similar_name: "similar name" };
const POLL_MS = 500;

type Kind = "leads" | "customers";

/**
 * Records that may be the same as this one (the same email, or a close name), linked, with why. An Admin or
 * a Manager may merge one into this record: it keeps its own fields, takes the other's where it has none, and
 * the other's notes, timeline and deals follow.
 */
export function LikelyDuplicates({ kind, id, etag }: { kind: Kind; id: string; etag: string }) {
  const { api } = useApp();
  const role = useSession()?.user.role;
  const found = useQuery({
    queryKey: ["duplicates", kind, id],
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/{kind}/{id}/duplicates", { params: { path: { kind, id } } });
      if (!data) throw error;
      return data.items;
    },
  });
  if (!found.data?.length) return null;
  const mayMerge = role === "admin" || role === "manager";
  return (
    <aside aria-labelledby={`duplicates-${id}`} className="panel">
      <h2 id={`duplicates-${id}`}>Possibly the same</h2>
      <ul>
        {found.data.map(({ record, reasons }) => {
          const other = record as { id: string; name: string; email?: string | null };
          return (
            <li key={other.id}>
              <Link to={`/${kind}/${other.id}`}>{other.name}</Link>
              {other.email ? ` (${other.email})` : ""}: {reasons.map((r) => REASONS[r] ?? r).join(", ")}{" "}
              {mayMerge && <MergeButton kind={kind} id={id} etag={etag} duplicate={other} />}
            </li>
          );
        })}
      </ul>
    </aside>
  );
}

/** Merges `duplicate` into the record shown, then waits for its notes, timeline and deals to move. */
function MergeButton({ kind, id, etag, duplicate }: { kind: Kind; id: string; etag: string; duplicate: { id: string; name: string } }) {
  const { api } = useApp();
  const queries = useQueryClient();
  const merge = async () => {
    if (!window.confirm(`Merge ${duplicate.name} into this record? ${duplicate.name} is deleted; its notes, timeline and deals move here.`)) return;
    const started = await api.POST("/api/v1/{kind}/{id}/merge", {
      params: { path: { kind, id }, header: { "If-Match": etag } },
      body: { duplicate_id: duplicate.id },
    });
    if (!started.data) throw new Error(summary(started.error));
    for (;;) {
      const job = await currentJob(api, started.data.id);
      if (job.status === "failed") throw new Error(job.error ?? "Moving the notes, timeline and deals failed; merge again to resume.");
      if (job.status === "succeeded") break;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    await queries.invalidateQueries();
  };
  return <ActionButton label={`Merge into this`} working="Merging…" action={merge} />;
}

/** A record that could not be shown: why, and where it went when it was merged into another. */
export function Missing({ kind, error }: { kind: Kind; error: unknown }) {
  const into = (error as { merged_into?: string } | null)?.merged_into;
  return (
    <p role="alert">
      {into ? (
        <>
          This record was merged into another. <Link to={`/${kind}/${into}`}>Open the one it was merged into</Link>.
        </>
      ) : (
        summary(error)
      )}
    </p>
  );
}
