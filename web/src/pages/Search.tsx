import { useQuery } from "@tanstack/react-query";
import { Link, useSearchParams } from "react-router";
import { useApp } from "../context";
import { summary } from "../api/problem";
import { pieces } from "../search/highlight";
import type { components } from "../api/schema";

type Hit = components["schemas"]["Hit"];

/** Where a hit leads: a lead's page, the pipeline for a deal, the record a note is on. */
function link(hit: Hit): string | null {
  const type = hit.type === "note" ? hit.parent_type : hit.type;
  const id = hit.type === "note" ? hit.parent_id : hit.id;
  if (type === "lead" && id) return `/leads/${id}`;
  if (type === "customer" && id) return `/customers/${id}`;
  if (type === "deal" && id) return `/deals/${id}`;
  return null;
}

function Highlighted({ fragment }: { fragment: string }) {
  return (
    <>
      {pieces(fragment).map((piece, i) => (piece.matched ? <mark key={i}>{piece.text}</mark> : <span key={i}>{piece.text}</span>))}
    </>
  );
}

export function Search() {
  const { api } = useApp();
  const [params] = useSearchParams();
  const q = params.get("q")?.trim() ?? "";
  const results = useQuery({
    queryKey: ["search", q],
    enabled: q !== "",
    // Search follows writes a moment later: never answer from an earlier search of the same words.
    staleTime: 0,
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/search", { params: { query: { q, limit: 25 } } });
      if (!data) throw error;
      return data.items;
    },
  });
  return (
    <section aria-labelledby="search-heading">
      <h1 id="search-heading">Search{q && `: ${q}`}</h1>
      {q === "" && <p>Type a name, a company or an email in the search box above.</p>}
      {results.isFetching && <p role="status">Searching…</p>}
      {results.isError && <p role="alert">{summary(results.error)}</p>}
      {results.data?.length === 0 && <p>Nothing matches “{q}”.</p>}
      <ul className="hits">
        {results.data?.map((hit) => {
          const to = link(hit);
          const title = hit.name ?? hit.email ?? hit.id;
          const fragment = Object.values(hit.highlight)[0]?.[0];
          return (
            <li key={`${hit.type}:${hit.id}`}>
              <span className="kind">{hit.type}</span> {to ? <Link to={to}>{title}</Link> : <strong>{title}</strong>}
              {hit.company && <span className="muted"> · {hit.company}</span>}
              {fragment && (
                <p className="fragment">
                  <Highlighted fragment={fragment} />
                </p>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
