import { MoreButton, usePaged } from "../records/paged";
import { OwnerFilter } from "../components/OwnerFilter";
import { ExportButton } from "../components/ExportButton";
import { ImportButton } from "../components/ImportButton";
import { Link, useSearchParams } from "react-router";
import { useApp } from "../context";
import { summary } from "../api/problem";
import type { components } from "../api/schema";

type LeadStatus = components["schemas"]["LeadStatus"];
const STATUSES: LeadStatus[] = ["new", "contacted", "qualified", "unqualified", "converted"];
const PAGE = 50;

export function Leads() {
  const { api } = useApp();
  const [params, setParams] = useSearchParams();
  const status = (params.get("status") || undefined) as LeadStatus | undefined;
  const tag = params.get("tag") || undefined;
  const owner = params.get("owner") || undefined;
  const leads = usePaged(["leads", { status, tag, owner }], async (cursor) => {
    const { data, error } = await api.GET("/api/v1/leads", {
      params: { query: { status, tag, owner_id: owner, limit: PAGE, cursor } },
    });
    if (!data) throw error;
    return data;
  });
  const filter = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };
  const rows = leads.rows;
  return (
    <section aria-labelledby="leads-heading">
      <div className="toolbar">
        <h1 id="leads-heading">Leads</h1>
        <div className="actions">
          <ImportButton kind="lead" />
          <ExportButton asked={{ kind: "lead", status, tag, owner_id: owner }} />
          <Link className="button" to="/leads/new">
            New lead
          </Link>
        </div>
      </div>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={status ?? ""} onChange={(e) => filter("status", e.target.value)}>
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <OwnerFilter value={owner} onChange={(value) => filter("owner", value)} />
        <label>
          Tag
          <input defaultValue={tag ?? ""} onBlur={(e) => filter("tag", e.target.value.trim())} placeholder="any" />
        </label>
      </form>
      {leads.isPending && <p role="status">Loading leads…</p>}
      {leads.isError && <p role="alert">{summary(leads.error)}</p>}
      {leads.isSuccess && rows.length === 0 && <p>No leads yet{status || tag || owner ? " with these filters" : ""}.</p>}
      {rows.length > 0 && (
        <table className="records">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Company</th>
              <th scope="col">Email</th>
              <th scope="col">Status</th>
              <th scope="col">Tags</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((lead) => (
              <tr key={lead.id}>
                <td>
                  <Link to={`/leads/${lead.id}`}>{lead.name}</Link>
                </td>
                <td>{lead.company}</td>
                <td>{lead.email}</td>
                <td>
                  <span className={`status status-${lead.status}`}>{lead.status}</span>
                </td>
                <td>{lead.tags?.join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <MoreButton list={leads} label="More leads" />
    </section>
  );
}
