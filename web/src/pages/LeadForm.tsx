import { useMemo, useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate, useParams } from "react-router";
import { useApp } from "../context";
import { Field } from "../components/Field";
import { fieldErrors, summary } from "../api/problem";
import { changes, EMPTY_LEAD, newLead, valuesOf, type Lead, type LeadValues } from "../leads/form";

interface Loaded {
  lead: Lead;
  etag: string;
}

/** Creates a lead, or edits one: saves with `If-Match`, and on a 412 offers to reload or overwrite. */
export function LeadForm() {
  const { id } = useParams();
  const { api } = useApp();
  const lead = useQuery({
    queryKey: ["lead", id],
    enabled: id !== undefined,
    queryFn: async (): Promise<Loaded> => {
      const { data, error, response } = await api.GET("/api/v1/leads/{id}", { params: { path: { id: id! } } });
      if (!data) throw error;
      return { lead: data, etag: response.headers.get("ETag") ?? `"${data.version}"` };
    },
  });
  if (!id) return <LeadEditor />;
  if (lead.isPending) return <p role="status">Loading the lead…</p>;
  if (lead.isError) return <p role="alert">{summary(lead.error)}</p>;
  return <LeadEditor key={id} id={id} loaded={lead.data} refetch={async () => (await lead.refetch()).data} />;
}

interface EditorProps {
  id?: string;
  loaded?: Loaded;
  refetch?: () => Promise<Loaded | undefined>;
}

function LeadEditor({ id, loaded, refetch }: EditorProps) {
  const { api } = useApp();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const idempotencyKey = useMemo(() => crypto.randomUUID(), []);
  const [initial, setInitial] = useState<LeadValues>(loaded ? valuesOf(loaded.lead) : EMPTY_LEAD);
  const [values, setValues] = useState<LeadValues>(initial);
  const [etag, setEtag] = useState(loaded?.etag);
  const [problem, setProblem] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (key: keyof LeadValues) => (event: { target: { value: string } }) =>
    setValues({ ...values, [key]: event.target.value });

  const save = async (ifMatch = etag) => {
    setBusy(true);
    setProblem(null);
    const result = id
      ? await api.PATCH("/api/v1/leads/{id}", {
          params: { path: { id }, header: { "If-Match": ifMatch } },
          body: changes(initial, values),
        })
      : await api.POST("/api/v1/leads", { params: { header: { "Idempotency-Key": idempotencyKey } }, body: newLead(values) });
    setBusy(false);
    if (!result.data) return setProblem(result.error);
    await queries.invalidateQueries({ queryKey: ["leads"] });
    queries.removeQueries({ queryKey: ["lead", id] });
    navigate(id ? `/leads/${id}` : "/leads");
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save();
  };
  /** Saves what the user changed over the other change (fields the user did not touch keep theirs). */
  const overwrite = async () => {
    const fresh = await refetch?.();
    if (fresh) {
      setEtag(fresh.etag);
      await save(fresh.etag);
    }
  };
  /** Drops what the user typed for the record as it is now. */
  const reload = async () => {
    const fresh = await refetch?.();
    if (fresh) {
      setInitial(valuesOf(fresh.lead));
      setValues(valuesOf(fresh.lead));
      setEtag(fresh.etag);
      setProblem(null);
    }
  };

  const errors = fieldErrors(problem);
  const stale = (problem as { status?: number } | null)?.status === 412;
  return (
    <section aria-labelledby="lead-heading">
      <h1 id="lead-heading">{loaded ? `Lead: ${loaded.lead.name}` : "New lead"}</h1>
      <form onSubmit={submit} noValidate className="record-form">
        {problem !== null && (
          <div role="alert" className="form-error">
            <p>{summary(problem)}</p>
            {stale && (
              <p className="actions">
                <button type="button" onClick={reload}>
                  Reload their version
                </button>
                <button type="button" onClick={overwrite}>
                  Overwrite with mine
                </button>
              </p>
            )}
          </div>
        )}
        <Field label="Name" value={values.name} onChange={set("name")} error={errors.name} required />
        <Field label="Company" value={values.company} onChange={set("company")} error={errors.company} />
        <Field label="Email" type="email" value={values.email} onChange={set("email")} error={errors.email} />
        <Field label="Phone" type="tel" value={values.phone} onChange={set("phone")} error={errors.phone} />
        {loaded?.lead.status !== "converted" && (
          <div className="field">
            <label htmlFor="lead-status">Status</label>
            <select id="lead-status" value={values.status} onChange={set("status")}>
              {(["new", "contacted", "qualified", "unqualified"] as const).map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
            {errors.status && <p className="field-error" role="alert">{errors.status}</p>}
          </div>
        )}
        <Field label="Tags (comma-separated)" value={values.tags} onChange={set("tags")} error={errors.tags} />
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? "Saving…" : "Save"}
          </button>
          <button type="button" className="secondary" onClick={() => navigate(id ? `/leads/${id}` : "/leads")}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
