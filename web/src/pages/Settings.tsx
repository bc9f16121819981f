import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useApp, useSession } from "../context";
import { Field } from "../components/Field";
import { fieldErrors, summary } from "../api/problem";
import type { components } from "../api/schema";
import { GoogleContacts } from "./Google";
import { when } from "../format";
import { OutgoingWebhooks } from "./OutgoingWebhooks";
import { ShownOnce } from "../components/ShownOnce";

type Role = components["schemas"]["Role"];
type User = components["schemas"]["User"];
type Source = components["schemas"]["WebhookSource"];

/** The Admin's settings: users and roles, Slack, inbound and outgoing webhooks, API keys, Google. */
export default function Settings() {
  const role = useSession()?.user.role;
  if (role !== "admin") return <p role="alert">Only an Admin changes the account's settings.</p>;
  return (
    <section aria-labelledby="settings-heading">
      <h1 id="settings-heading">Settings</h1>
      <PlanPanel />
      <Users />
      <Slack />
      <Webhooks />
      <OutgoingWebhooks />
      <ApiKeys />
      <GoogleContacts />
    </section>
  );
}

/** The account's plan and what it uses of each counted limit; upgrading and billing go through Stripe. */
function PlanPanel() {
  const { api } = useApp();
  const [problem, setProblem] = useState<string | null>(null);
  const account = useQuery({
    queryKey: ["account"],
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/account");
      if (!data) throw error;
      return data;
    },
  });
  const go = async (answer: Promise<{ data?: { url: string }; error?: unknown }>) => {
    const { data, error } = await answer;
    if (data) window.location.assign(data.url);
    else setProblem(summary(error));
  };
  if (!account.data) return null;
  const { plan, usage, rates, subscription } = account.data;
  const labels: Record<string, string> = {
    seats: "Seats",
    records: "Records (leads, customers, deals)",
    api_keys: "API keys",
    webhook_endpoints: "Webhook endpoints",
    requests_per_minute: "Requests this minute",
    searches_per_minute: "Searches this minute",
  };
  const upgrades = (["team", "business"] as const).filter((p) => p !== plan && !(plan === "business" && p === "team"));
  return (
    <section aria-labelledby="plan-heading" className="panel wide">
      <h2 id="plan-heading">Plan: {plan}</h2>
      {subscription !== "none" && <p className="muted">Subscription: {subscription.replace("_", " ")}</p>}
      {problem && <p role="alert" className="form-error">{problem}</p>}
      <ul aria-label="Usage">
        {Object.entries({ ...usage, ...rates }).map(([name, use]) => (
          <li key={name}>
            {labels[name] ?? name}: {use.used} of {use.limit}
          </li>
        ))}
      </ul>
      <div className="actions">
        {upgrades.map((target) => (
          <button key={target} type="button" onClick={() => void go(api.POST("/api/v1/billing/checkout", { body: { plan: target } }))}>
            Upgrade to {target}
          </button>
        ))}
        {subscription !== "none" && (
          <button type="button" className="secondary" onClick={() => void go(api.POST("/api/v1/billing/portal"))}>
            Manage billing
          </button>
        )}
      </div>
    </section>
  );
}

function Users() {
  const { api } = useApp();
  const me = useSession()?.user;
  const queries = useQueryClient();
  const users = useQuery({
    queryKey: ["users"],
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/users", { params: { query: { limit: 100 } } });
      if (!data) throw error;
      return data.items;
    },
  });
  const [form, setForm] = useState({ name: "", email: "", password: "", role: "sales" as Role });
  const [problem, setProblem] = useState<unknown>(null);
  const [rowProblem, setRowProblem] = useState<string | null>(null);
  const create = async (event: FormEvent) => {
    event.preventDefault();
    const { data, error } = await api.POST("/api/v1/users", { body: form });
    if (!data) return setProblem(error);
    setProblem(null);
    setForm({ name: "", email: "", password: "", role: "sales" });
    await queries.invalidateQueries({ queryKey: ["users"] });
    await queries.invalidateQueries({ queryKey: ["account"] });
  };
  const change = async (user: User, patch: components["schemas"]["UserPatch"]) => {
    const { data, error } = await api.PATCH("/api/v1/users/{id}", {
      params: { path: { id: user.id }, header: { "If-Match": `"${user.version}"` } },
      body: patch,
    });
    setRowProblem(data ? null : `${user.name}: ${summary(error)}`);
    await queries.invalidateQueries({ queryKey: ["users"] });
    await queries.invalidateQueries({ queryKey: ["account"] });
  };
  const errors = fieldErrors(problem);
  return (
    <section aria-labelledby="users-heading" className="panel wide">
      <h2 id="users-heading">Users</h2>
      {users.isPending && <p role="status">Loading users…</p>}
      {rowProblem && <p role="alert" className="form-error">{rowProblem}</p>}
      <table className="records">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {users.data?.map((user) => (
            <tr key={user.id}>
              <td>{user.name}</td>
              <td>{user.email}</td>
              <td>
                <select aria-label={`Role of ${user.name}`} value={user.role} disabled={user.id === me?.id} onChange={(e) => void change(user, { role: e.target.value as Role })}>
                  <option value="admin">admin</option>
                  <option value="manager">manager</option>
                  <option value="sales">sales</option>
                </select>
              </td>
              <td>
                {user.id === me?.id ? (
                  user.status
                ) : (
                  <button type="button" className="secondary" onClick={() => void change(user, { status: user.status === "active" ? "deactivated" : "active" })}>
                    {user.status === "active" ? `Deactivate ${user.name}` : `Reactivate ${user.name}`}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={create} noValidate className="inline-form">
        <h3>Add a user</h3>
        {problem !== null && <p role="alert" className="form-error">{summary(problem)}</p>}
        <Field label="Name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} error={errors.name} />
        <Field label="Email" type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} error={errors.email} />
        <Field label="First password" type="password" autoComplete="new-password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} error={errors.password} />
        <div className="field">
          <label htmlFor="new-user-role">Role</label>
          <select id="new-user-role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
            <option value="sales">sales</option>
            <option value="manager">manager</option>
            <option value="admin">admin</option>
          </select>
        </div>
        <button type="submit">Add user</button>
      </form>
    </section>
  );
}

const SLACK_EVENTS = ["lead.created", "lead.updated", "lead.status_changed", "lead.owner_changed", "lead.converted", "deal.won", "deal.lost"] as const;

function Slack() {
  const { api } = useApp();
  const queries = useQueryClient();
  const slack = useQuery({
    queryKey: ["slack"],
    queryFn: async () => {
      const { data, response } = await api.GET("/api/v1/integrations/slack");
      return response.status === 404 ? null : (data ?? null);
    },
  });
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<string[]>(["lead.created", "deal.won"]);
  const [problem, setProblem] = useState<unknown>(null);
  const save = async (event: FormEvent) => {
    event.preventDefault();
    const { data, error } = await api.POST("/api/v1/integrations/slack", {
      body: { webhook_url: url, events: events as (typeof SLACK_EVENTS)[number][] },
    });
    if (!data) return setProblem(error);
    setProblem(null);
    setUrl("");
    await queries.invalidateQueries({ queryKey: ["slack"] });
  };
  const remove = async () => {
    await api.DELETE("/api/v1/integrations/slack");
    await queries.invalidateQueries({ queryKey: ["slack"] });
  };
  const errors = fieldErrors(problem);
  return (
    <section aria-labelledby="slack-heading" className="panel wide">
      <h2 id="slack-heading">Slack</h2>
      {slack.data ? (
        <p>
          Posting {slack.data.events.join(", ")} to <code>{slack.data.webhook_url}</code>
          {slack.data.last_error && <span className="field-error"> — last refusal: {slack.data.last_error}</span>}{" "}
          <button type="button" className="secondary" onClick={remove}>
            Disconnect Slack
          </button>
        </p>
      ) : (
        <p className="muted">Not connected.</p>
      )}
      <form onSubmit={save} noValidate>
        {problem !== null && <p role="alert" className="form-error">{summary(problem)}</p>}
        <Field label="Slack webhook URL" type="url" value={url} onChange={(e) => setUrl(e.target.value)} error={errors.webhook_url} placeholder="https://hooks.slack.com/services/…" />
        <fieldset>
          <legend>Events</legend>
          {SLACK_EVENTS.map((name) => (
            <label key={name} className="inline">
              <input type="checkbox" checked={events.includes(name)} onChange={(e) => setEvents(e.target.checked ? [...events, name] : events.filter((x) => x !== name))} /> {name}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={!url.trim()}>
          Save Slack settings
        </button>
      </form>
    </section>
  );
}

function Webhooks() {
  const { api } = useApp();
  const queries = useQueryClient();
  const hooks = useQuery({
    queryKey: ["webhooks"],
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/integrations/webhooks");
      if (!data) throw error;
      return data.items;
    },
  });
  const [form, setForm] = useState({ name: "", source: "generic" as Source, tags: "" });
  const [created, setCreated] = useState<{ name: string; url: string; secret: string } | null>(null);
  const [problem, setProblem] = useState<unknown>(null);
  const create = async (event: FormEvent) => {
    event.preventDefault();
    const tags = form.tags.split(",").map((t) => t.trim()).filter(Boolean);
    const { data, error } = await api.POST("/api/v1/integrations/webhooks", { body: { name: form.name, source: form.source, tags } });
    if (!data) return setProblem(error);
    setProblem(null);
    setCreated({ name: data.name, url: data.url, secret: data.secret });
    setForm({ name: "", source: "generic", tags: "" });
    await queries.invalidateQueries({ queryKey: ["webhooks"] });
  };
  const remove = async (id: string) => {
    await api.DELETE("/api/v1/integrations/webhooks/{id}", { params: { path: { id } } });
    await queries.invalidateQueries({ queryKey: ["webhooks"] });
  };
  const errors = fieldErrors(problem);
  return (
    <section aria-labelledby="webhooks-heading" className="panel wide">
      <h2 id="webhooks-heading">Inbound lead webhooks</h2>
      {created && (
        <ShownOnce value={created.secret} copyLabel="Copy the secret" mark="secret">
          <strong>{created.name}</strong> posts to <code>{created.url}</code>. Its secret is shown only now:
        </ShownOnce>
      )}
      <ul>
        {hooks.data?.map((hook) => (
          <li key={hook.id}>
            {hook.name} ({hook.source}) — <code>{hook.url}</code>{" "}
            <button type="button" className="secondary" onClick={() => void remove(hook.id)}>
              Delete {hook.name}
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={create} noValidate>
        {problem !== null && <p role="alert" className="form-error">{summary(problem)}</p>}
        <Field label="Endpoint name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} error={errors.name} />
        <div className="field">
          <label htmlFor="webhook-source">Source</label>
          <select id="webhook-source" value={form.source} onChange={(e) => setForm({ ...form, source: e.target.value as Source })}>
            <option value="generic">generic (JSON)</option>
            <option value="typeform">Typeform</option>
            <option value="zapier">Zapier</option>
          </select>
        </div>
        <Field label="Tags for its leads (comma-separated)" value={form.tags} onChange={(e) => setForm({ ...form, tags: e.target.value })} error={errors.tags} />
        <button type="submit" disabled={!form.name.trim()}>
          Create endpoint
        </button>
      </form>
    </section>
  );
}

/** Keys for programs: made with a role (never Admin) and an optional expiry, shown once, revoked at once. */
function ApiKeys() {
  const { api } = useApp();
  const queries = useQueryClient();
  const keys = useQuery({
    queryKey: ["api-keys"],
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/api_keys", { params: { query: { limit: 100 } } });
      if (!data) throw error;
      return data.items;
    },
  });
  const [form, setForm] = useState({ name: "", role: "sales" as "sales" | "manager", days: "" });
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [problem, setProblem] = useState<unknown>(null);
  const create = async (event: FormEvent) => {
    event.preventDefault();
    const expires_in_days = form.days.trim() ? Number(form.days) : undefined;
    const { data, error } = await api.POST("/api/v1/api_keys", { body: { name: form.name, role: form.role, expires_in_days } });
    if (!data) return setProblem(error);
    setProblem(null);
    setCreated({ name: data.name, key: data.key });
    setForm({ name: "", role: "sales", days: "" });
    await queries.invalidateQueries({ queryKey: ["api-keys"] });
    await queries.invalidateQueries({ queryKey: ["account"] });
  };
  const revoke = async (id: string) => {
    await api.DELETE("/api/v1/api_keys/{id}", { params: { path: { id } } });
    await queries.invalidateQueries({ queryKey: ["api-keys"] });
    await queries.invalidateQueries({ queryKey: ["account"] });
  };
  const errors = fieldErrors(problem);
  return (
    <section aria-labelledby="keys-heading" className="panel wide">
      <h2 id="keys-heading">API keys</h2>
      {created && (
        <ShownOnce value={created.key} copyLabel="Copy the key" mark="api-key">
          The key <strong>{created.name}</strong>, shown only now (send it as <code>Authorization: Bearer …</code>):
        </ShownOnce>
      )}
      <ul>
        {keys.data?.map((key) => (
          <li key={key.id}>
            {key.name} ({key.role}
            {key.expires_at ? `, until ${key.expires_at.slice(0, 10)}` : ""}) — {key.status === "active" ? "active" : "revoked"}
            {key.last_used_at ? ` · last used ${when(key.last_used_at)}` : " · never used"}{" "}
            {key.status === "active" && (
              <button type="button" className="secondary" onClick={() => void revoke(key.id)}>
                Revoke {key.name}
              </button>
            )}
          </li>
        ))}
      </ul>
      <form onSubmit={create} noValidate>
        {problem !== null && <p role="alert" className="form-error">{summary(problem)}</p>}
        <Field label="Key name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} error={errors.name} />
        <div className="field">
          <label htmlFor="key-role">Acts as</label>
          <select id="key-role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as "sales" | "manager" })}>
            <option value="sales">sales</option>
            <option value="manager">manager</option>
          </select>
        </div>
        <Field label="Works for (days, optional)" type="number" min={1} max={3650} value={form.days} onChange={(e) => setForm({ ...form, days: e.target.value })} error={errors.expires_in_days} />
        <button type="submit" disabled={!form.name.trim()}>
          Create key
        </button>
      </form>
    </section>
  );
}
