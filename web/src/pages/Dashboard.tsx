import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useApp } from "../context";
import { summary } from "../api/problem";
import { money, type Money } from "../format";
import { Bars } from "../dashboard/Bars";
import { useDirectory } from "../directory";
import { PdfButton } from "../components/PdfButton";

const RANGES = [7, 30, 90, 365];

/** The dashboard's figures for a date range: Admins and Managers see the account's and each owner's. */
export default function Dashboard() {
  const { api } = useApp();
  const [days, setDays] = useState(30);
  const dashboard = useQuery({
    queryKey: ["dashboard", days],
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/dashboard", { params: { query: { days } } });
      if (!data) throw error;
      return data;
    },
  });
  const owners = dashboard.data?.owners ?? [];
  const names = useDirectory(owners.length > 0);
  if (dashboard.isPending) return <p role="status">Loading the dashboard…</p>;
  if (dashboard.isError) return <p role="alert">{summary(dashboard.error)}</p>;
  const { figures, scope, from, to } = dashboard.data;
  const amounts = (rows: { month: string; amount: Record<string, number> }[]) =>
    rows.map((row) => ({
      label: row.month,
      value: Object.values(row.amount).reduce((a, b) => a + b, 0),
      text: Object.entries(row.amount).map(([currency, amount_minor]) => money({ currency, amount_minor } as Money)).join(" + "),
    }));
  return (
    <section aria-labelledby="dashboard-heading">
      <div className="toolbar">
        <h1 id="dashboard-heading">Dashboard{scope === "owner" ? " (your records)" : ""}</h1>
        <label>
          Range{" "}
          <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {RANGES.map((n) => (
              <option key={n} value={n}>
                last {n} days
              </option>
            ))}
          </select>
        </label>
        <PdfButton days={days} />
      </div>
      <p className="muted">
        {from} to {to}
      </p>
      <div className="tiles">
        <Tile label="Leads" value={figures.leads_total} />
        <Tile label="Customers" value={figures.customers_total} />
        <Tile label="Conversion rate" value={`${Math.round(figures.conversion_rate * 100)}%`} />
        <Tile label="Converted in range" value={figures.leads_converted_in_range} />
      </div>
      <div className="charts">
        <Bars title="Leads by status" rows={Object.entries(figures.leads_by_status).map(([label, value]) => ({ label, value }))} />
        <Bars title="Leads by source" rows={Object.entries(figures.leads_by_source).map(([label, value]) => ({ label, value }))} />
        <Bars title="New leads per day" rows={figures.new_leads_per_day.map((d) => ({ label: d.date, value: d.count }))} />
        <Bars title="Deals by stage" rows={Object.entries(figures.deals_by_stage).map(([label, s]) => ({ label, value: s.count }))} />
        <Bars title="Won per month" rows={amounts(figures.won_per_month)} />
        <Bars title="Lost per month" rows={amounts(figures.lost_per_month)} />
      </div>
      {owners.length > 0 && (
        <table className="records">
          <caption>By owner</caption>
          <thead>
            <tr>
              <th scope="col">Owner</th>
              <th scope="col">Leads</th>
              <th scope="col">Customers</th>
            </tr>
          </thead>
          <tbody>
            {owners.map((owner) => (
              <tr key={owner.owner_id}>
                <td>{names.data?.get(owner.owner_id) ?? owner.owner_id}</td>
                <td>{owner.figures.leads_total}</td>
                <td>{owner.figures.customers_total}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Tile({ label, value }: { label: string; value: string | number }) {
  return (
    <div className="tile">
      <span className="muted">{label}</span>
      <strong data-tile={label}>{value}</strong>
    </div>
  );
}
