import { useState, type DragEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { useApp } from "../context";
import { summary } from "../api/problem";
import { money } from "../format";
import { columns, moved, STAGES, type Deal, type Stage } from "../deals/board";

const MAX_DEALS = 500;
const PAGE = 100;

/**
 * The pipeline: deals as cards in stage columns. Dragging a card (or choosing in its "Move to" list, for the
 * keyboard) moves it at once; the API's stage rules decide, and a refused move snaps back with the reason.
 * Moving to `lost` asks for the reason first.
 */
export default function Board() {
  const { api } = useApp();
  const queries = useQueryClient();
  const deals = useQuery({
    queryKey: ["deals", "board"],
    queryFn: async () => {
      const all: Deal[] = [];
      let cursor: string | undefined;
      do {
        const { data, error } = await api.GET("/api/v1/deals", { params: { query: { limit: PAGE, cursor } } });
        if (!data) throw error;
        all.push(...data.items);
        cursor = data.next_cursor ?? undefined;
      } while (cursor && all.length < MAX_DEALS);
      return all;
    },
  });
  const [message, setMessage] = useState<string | null>(null);
  const [losing, setLosing] = useState<Deal | null>(null);

  const move = async (deal: Deal, stage: Stage, lostReason?: string) => {
    if (deal.stage === stage) return;
    if (stage === "lost" && lostReason === undefined) return setLosing(deal);
    const key = ["deals", "board"];
    const before = queries.getQueryData<Deal[]>(key) ?? [];
    queries.setQueryData(key, moved(before, deal.id, stage));
    setMessage(null);
    const { data, error } = await api.PATCH("/api/v1/deals/{id}", {
      params: { path: { id: deal.id }, header: { "If-Match": `"${deal.version}"` } },
      body: stage === "lost" ? { stage, lost_reason: lostReason } : { stage },
    });
    if (!data) {
      queries.setQueryData(key, before);
      setMessage(`${deal.name} stays in ${deal.stage}: ${summary(error)}`);
      return;
    }
    queries.setQueryData(key, (current: Deal[] | undefined) => (current ?? []).map((d) => (d.id === data.id ? data : d)));
    void queries.invalidateQueries({ queryKey: ["dashboard"] });
  };

  if (deals.isPending) return <p role="status">Loading the pipeline…</p>;
  if (deals.isError) return <p role="alert">{summary(deals.error)}</p>;
  const drop = (stage: Stage) => (event: DragEvent) => {
    event.preventDefault();
    const deal = deals.data.find((d) => d.id === event.dataTransfer.getData("text/plain"));
    if (deal) void move(deal, stage);
  };
  return (
    <section aria-labelledby="board-heading">
      <h1 id="board-heading">Pipeline</h1>
      <p role="status" aria-live="polite" className={message ? "form-error" : "sr-only"}>
        {message}
      </p>
      {losing && <LostReason deal={losing} onDone={(reason) => { setLosing(null); if (reason) void move(losing, "lost", reason); }} />}
      <div className="board">
        {columns(deals.data).map((column) => (
          <section key={column.stage} className="column" aria-label={column.stage} data-stage={column.stage} onDragOver={(e) => e.preventDefault()} onDrop={drop(column.stage)}>
            <h2>
              {column.stage} <span className="count">{column.deals.length}</span>
            </h2>
            <p className="total">{column.totals.map((t) => money(t)).join(" + ") || "—"}</p>
            {column.deals.map((deal) => (
              <article key={deal.id} className="card" draggable onDragStart={(e) => e.dataTransfer.setData("text/plain", deal.id)} aria-label={deal.name}>
                <h3>
                  <Link to={`/deals/${deal.id}`}>{deal.name}</Link>
                </h3>
                <p>{money(deal.amount)}</p>
                <label>
                  <span className="sr-only">Move {deal.name} to</span>
                  <select value={deal.stage} onChange={(e) => void move(deal, e.target.value as Stage)}>
                    {STAGES.map((stage) => (
                      <option key={stage} value={stage}>
                        {stage}
                      </option>
                    ))}
                  </select>
                </label>
              </article>
            ))}
          </section>
        ))}
      </div>
    </section>
  );
}

function LostReason({ deal, onDone }: { deal: Deal; onDone: (reason: string | null) => void }) {
  const [reason, setReason] = useState("");
  return (
    <form
      className="panel"
      aria-label={`Why was ${deal.name} lost?`}
      onSubmit={(e) => {
        e.preventDefault();
        onDone(reason.trim() || null);
      }}
    >
      <label htmlFor="lost-reason">Why was {deal.name} lost?</label>
      <input id="lost-reason" value={reason} onChange={(e) => setReason(e.target.value)} autoFocus />
      <div className="actions">
        <button type="submit" disabled={!reason.trim()}>
          Mark as lost
        </button>
        <button type="button" className="secondary" onClick={() => onDone(null)}>
          Keep it open
        </button>
      </div>
    </form>
  );
}
