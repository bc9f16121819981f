import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useApp } from "../context";
import { Field } from "../components/Field";
import { ShownOnce } from "../components/ShownOnce";
import { fieldErrors, summary } from "../api/problem";
import { when } from "../format";
import type { components } from "../api/schema";

type Endpoint = components["schemas"]["Endpoint"];
/** What an endpoint may subscribe to, as the API document says. */
type EventKind = components["schemas"]["NewEndpoint"]["events"][number];

/** The events an endpoint may receive, as the API names them (chat messages stay inside the CRM). */
const EVENTS: EventKind[] = [
  "lead.created",
  "lead.updated",
  "lead.status_changed",
  "lead.owner_changed",
  "lead.converted",
  "lead.deleted",
  "customer.created",
  "customer.updated",
  "customer.deleted",
  "deal.created",
  "deal.updated",
  "deal.stage_changed",
  "deal.won",
  "deal.lost",
  "deal.deleted",
  "note.added",
  "note.edited",
  "note.deleted",
];

/** Outgoing webhooks: endpoints with their events, secrets shown once, enable/disable, rotation, the delivery log. */
export function OutgoingWebhooks() {
  const { api } = useApp();
  const queries = useQueryClient();
  const endpoints = useQuery({
    queryKey: ["webhook-endpoints"],
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/webhook_endpoints");
      if (!data) throw error;
      return data.items;
    },
  });
  const [form, setForm] = useState<{ url: string; events: EventKind[] }>({ url: "", events: ["lead.created"] });
  const [shown, setShown] = useState<{ url: string; secret: string } | null>(null);
  const [problem, setProblem] = useState<unknown>(null);
  const [rowProblem, setRowProblem] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const refresh = () =>
    Promise.all([queries.invalidateQueries({ queryKey: ["webhook-endpoints"] }), queries.invalidateQueries({ queryKey: ["account"] })]);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    const { data, error } = await api.POST("/api/v1/webhook_endpoints", { body: { url: form.url, events: form.events } });
    if (!data) return setProblem(error);
    setProblem(null);
    setShown({ url: data.url, secret: data.secret });
    setForm({ url: "", events: ["lead.created"] });
    await refresh();
  };
  const toggle = (kind: EventKind, on: boolean) =>
    setForm({ ...form, events: on ? [...form.events, kind] : form.events.filter((e) => e !== kind) });
  const setEnabled = async (endpoint: Endpoint, enabled: boolean) => {
    const { error } = await api.PATCH("/api/v1/webhook_endpoints/{id}", { params: { path: { id: endpoint.id } }, body: { enabled } });
    setRowProblem(error ? `${endpoint.url}: ${summary(error)}` : null);
    await refresh();
  };
  const rotate = async (endpoint: Endpoint) => {
    const { data, error } = await api.POST("/api/v1/webhook_endpoints/{id}/rotate_secret", { params: { path: { id: endpoint.id } } });
    setRowProblem(error ? `${endpoint.url}: ${summary(error)}` : null);
    if (data) setShown({ url: endpoint.url, secret: data.secret });
    await refresh();
  };
  const remove = async (endpoint: Endpoint) => {
    const { error } = await api.DELETE("/api/v1/webhook_endpoints/{id}", { params: { path: { id: endpoint.id } } });
    setRowProblem(error ? `${endpoint.url}: ${summary(error)}` : null);
    await refresh();
  };
  const errors = fieldErrors(problem);
  return (
    <section aria-labelledby="outgoing-heading" className="panel wide">
      <h2 id="outgoing-heading">Outgoing webhooks</h2>
      {shown && (
        <ShownOnce value={shown.secret} copyLabel="Copy the signing secret" mark="signing-secret">
          Deliveries to <code>{shown.url}</code> are signed with this secret (<code>CRM-Signature</code>), shown only now:
        </ShownOnce>
      )}
      {rowProblem && <p role="alert" className="form-error">{rowProblem}</p>}
      <ul className="endpoints">
        {endpoints.data?.map((endpoint) => (
          <li key={endpoint.id}>
            <code>{endpoint.url}</code> — {endpoint.events.join(", ")} —{" "}
            <strong>{endpoint.status}</strong>
            {endpoint.disabled_reason && <span className="field-error"> ({endpoint.disabled_reason})</span>}
            <div className="actions">
              <button type="button" className="secondary" onClick={() => setOpen(open === endpoint.id ? null : endpoint.id)}>
                {open === endpoint.id ? "Hide deliveries" : "Deliveries"}
              </button>
              <button type="button" className="secondary" onClick={() => void setEnabled(endpoint, endpoint.status !== "active")}>
                {endpoint.status === "active" ? "Disable" : "Enable"}
              </button>
              <button type="button" className="secondary" onClick={() => void rotate(endpoint)}>
                Rotate secret
              </button>
              <button type="button" className="secondary" onClick={() => void remove(endpoint)}>
                Delete
              </button>
            </div>
            {open === endpoint.id && <Deliveries endpoint={endpoint} />}
          </li>
        ))}
      </ul>
      <form onSubmit={create} noValidate>
        {problem !== null && <p role="alert" className="form-error">{summary(problem)}</p>}
        <Field label="Endpoint URL (https)" value={form.url} onChange={(e) => setForm({ ...form, url: e.target.value })} error={errors.url} />
        <fieldset className="events">
          <legend>Events to deliver</legend>
          {errors.events && <p className="field-error">{errors.events}</p>}
          {EVENTS.map((kind) => (
            <label key={kind} className="inline">
              <input type="checkbox" checked={form.events.includes(kind)} onChange={(e) => toggle(kind, e.target.checked)} /> {kind}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={!form.url.trim() || form.events.length === 0}>
          Add endpoint
        </button>
      </form>
    </section>
  );
}

function Deliveries({ endpoint }: { endpoint: Endpoint }) {
  const { api } = useApp();
  const queries = useQueryClient();
  const key = ["webhook-deliveries", endpoint.id];
  const deliveries = useQuery({
    queryKey: key,
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/webhook_endpoints/{id}/deliveries", {
        params: { path: { id: endpoint.id }, query: { limit: 25 } },
      });
      if (!data) throw error;
      return data.items;
    },
  });
  const redeliver = async (deliveryId: string) => {
    await api.POST("/api/v1/webhook_endpoints/{id}/deliveries/{delivery_id}/redeliver", {
      params: { path: { id: endpoint.id, delivery_id: deliveryId } },
    });
    await queries.invalidateQueries({ queryKey: key });
  };
  if (deliveries.isPending) return <p role="status">Loading…</p>;
  if (!deliveries.data?.length) return <p className="muted">No deliveries yet.</p>;
  return (
    <table className="records" aria-label={`Deliveries to ${endpoint.url}`}>
      <thead>
        <tr>
          <th>Event</th>
          <th>Status</th>
          <th>Attempts</th>
          <th>Last answer</th>
          <th>When</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {deliveries.data.map((delivery) => (
          <tr key={delivery.id}>
            <td>{delivery.event_type}</td>
            <td>{delivery.status}</td>
            <td>{delivery.attempts}</td>
            <td>{delivery.last_status_code ?? delivery.last_error ?? "—"}</td>
            <td>{when(delivery.last_attempt_at ?? delivery.created_at)}</td>
            <td>
              <button type="button" className="secondary" onClick={() => void redeliver(delivery.id)}>
                Redeliver
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
