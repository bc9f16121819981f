import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { useApp } from "../context";

const REASONS: Record<string, string> = { same_email: "same email", similar_name: "similar name" };

/** Records that may be the same as this one (the same email, or a close name), linked, with why. */
export function LikelyDuplicates({ kind, id }: { kind: "leads" | "customers"; id: string }) {
  const { api } = useApp();
  const found = useQuery({
    queryKey: ["duplicates", kind, id],
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/{kind}/{id}/duplicates", { params: { path: { kind, id } } });
      if (!data) throw error;
      return data.items;
    },
  });
  if (!found.data?.length) return null;
  return (
    <aside aria-labelledby={`duplicates-${id}`} className="panel">
      <h2 id={`duplicates-${id}`}>Possibly the same</h2>
      <ul>
        {found.data.map(({ record, reasons }) => {
          const other = record as { id: string; name: string; email?: string | null };
          return (
            <li key={other.id}>
              <Link to={`/${kind}/${other.id}`}>{other.name}</Link>
              {other.email ? ` (${other.email})` : ""}: {reasons.map((r) => REASONS[r] ?? r).join(", ")}
            </li>
          );
        })}
      </ul>
    </aside>
  );
}
