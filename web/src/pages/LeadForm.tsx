import { useQueryClient } from "@tanstack/react-query";
import { useNavigate, useParams } from "react-router";
import { useApp } from "../context";
import { Field } from "../components/Field";
import { fieldErrors, summary } from "../api/problem";
import { changes, EMPTY_LEAD, newLead, valuesOf, type Lead, type LeadValues } from "../leads/form";
import { FormProblem, useLoaded, useRecordEditor, type Loaded } from "../records/editor";
import { ContactFields, FormActions, setterOf } from "../records/parts";

/** A lead and its ETag, shared by its page and its form. */
export function useLead(id: string | undefined) {
  const { api } = useApp();
  return useLoaded<Lead>("lead", id, (id) => api.GET("/api/v1/leads/{id}", { params: { path: { id } } }));
}

/** Creates a lead, or edits one. */
export function LeadForm() {
  const { id } = useParams();
  const lead = useLead(id);
  if (!id) return <LeadEditor />;
  if (lead.isPending) return <p role="status">Loading the lead…</p>;
  if (lead.isError) return <p role="alert">{summary(lead.error)}</p>;
  return <LeadEditor key={id} id={id} loaded={lead.data} refetch={async () => (await lead.refetch()).data} />;
}

function LeadEditor({ id, loaded, refetch }: { id?: string; loaded?: Loaded<Lead>; refetch?: () => Promise<Loaded<Lead> | undefined> }) {
  const { api } = useApp();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const back = id ? `/leads/${id}` : "/leads";
  const editor = useRecordEditor<Lead, LeadValues>({
    loaded,
    empty: EMPTY_LEAD,
    valuesOf,
    refetch,
    create: (values, key) => api.POST("/api/v1/leads", { params: { header: { "Idempotency-Key": key } }, body: newLead(values) }),
    update: (before, after, etag) =>
      api.PATCH("/api/v1/leads/{id}", { params: { path: { id: id! }, header: { "If-Match": etag } }, body: changes(before, after) }),
    onSaved: async () => {
      await queries.invalidateQueries({ queryKey: ["leads"] });
      queries.removeQueries({ queryKey: ["lead", id] });
      navigate(back);
    },
  });
  const { values, setValues } = editor;
  const set = setterOf(values, setValues);
  const errors = fieldErrors(editor.problem);
  return (
    <section aria-labelledby="lead-heading">
      <h1 id="lead-heading">{loaded ? `Lead: ${loaded.record.name}` : "New lead"}</h1>
      <form onSubmit={editor.submit} noValidate className="record-form">
        <FormProblem {...editor} />
        <ContactFields values={values} set={set} errors={errors} />
        {loaded?.record.status !== "converted" && (
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
        <FormActions busy={editor.busy} onCancel={() => navigate(back)} />
      </form>
    </section>
  );
}
