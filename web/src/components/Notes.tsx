import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useApp } from "../context";
import { fieldErrors, summary } from "../api/problem";
import { when } from "../format";
import type { components } from "../api/schema";

type Kind = components["schemas"]["RecordKind"];
const PATHS = { lead: "leads", customer: "customers", deal: "deals" } as const;

/** A record's notes (newest first) with a box to add one, and its timeline of changes. */
export function NotesAndTimeline({ kind, id }: { kind: Kind; id: string }) {
  const { api } = useApp();
  const queries = useQueryClient();
  const path = { kind: PATHS[kind], id };
  const notes = useQuery({
    queryKey: ["notes", kind, id],
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/{kind}/{id}/notes", { params: { path } });
      if (!data) throw error;
      return data.items;
    },
  });
  const timeline = useQuery({
    queryKey: ["timeline", kind, id],
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/{kind}/{id}/timeline", { params: { path } });
      if (!data) throw error;
      return data.items;
    },
  });
  const [body, setBody] = useState("");
  const [problem, setProblem] = useState<unknown>(null);
  const add = async (event: FormEvent) => {
    event.preventDefault();
    const { data, error } = await api.POST("/api/v1/{kind}/{id}/notes", { params: { path }, body: { body } });
    if (!data) return setProblem(error);
    setBody("");
    setProblem(null);
    await queries.invalidateQueries({ queryKey: ["notes", kind, id] });
    await queries.invalidateQueries({ queryKey: ["timeline", kind, id] });
  };
  const errors = fieldErrors(problem);
  return (
    <div className="two-columns">
      <section aria-labelledby="notes-heading">
        <h2 id="notes-heading">Notes</h2>
        <form onSubmit={add}>
          <label htmlFor="new-note">Add a note</label>
          <textarea id="new-note" value={body} onChange={(e) => setBody(e.target.value)} rows={3} aria-invalid={errors.body ? true : undefined} />
          {problem !== null && <p role="alert" className="field-error">{errors.body ?? summary(problem)}</p>}
          <button type="submit" disabled={body.trim() === ""}>
            Add note
          </button>
        </form>
        {notes.isPending && <p role="status">Loading notes…</p>}
        <ul className="notes">
          {notes.data?.map((note) => (
            <li key={note.id}>
              <p>{note.body}</p>
              <small>{when(note.created_at)}</small>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Timeline</h2>
        {timeline.isPending && <p role="status">Loading the timeline…</p>}
        <ol className="timeline">
          {timeline.data?.map((entry) => (
            <li key={entry.id}>
              <strong>{entry.action.replace(/_/g, " ")}</strong>{" "}
              {entry.changes?.map((change) => `${change.field}: ${String(change.old ?? "—")} → ${String(change.new ?? "—")}`).join("; ")}
              <br />
              <small>{when(entry.at)}</small>
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}
