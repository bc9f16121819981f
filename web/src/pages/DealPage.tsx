import { useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "react-router";
import { useApp } from "../context";
import { Field } from "../components/Field";
import { NotesAndTimeline } from "../components/Notes";
import { fieldErrors, summary } from "../api/problem";
import { money } from "../format";
import { dealChanges, dealValues, type Deal, type DealValues } from "../deals/form";
import { FormProblem, useLoaded, useRecordEditor, type Loaded } from "../records/editor";
import { FormActions, setterOf } from "../records/parts";
import { PdfButton } from "../components/PdfButton";

function useDeal(id: string | undefined) {
  const { api } = useApp();
  return useLoaded<Deal>("deal", id, (id) => api.GET("/api/v1/deals/{id}", { params: { path: { id } } }));
}

/** A deal: its terms, where it stands, notes and timeline; its stage moves on the board. */
export function DealPage() {
  const { id } = useParams();
  const deal = useDeal(id);
  if (deal.isPending) return <p role="status">Loading the deal…</p>;
  if (deal.isError) return <p role="alert">{summary(deal.error)}</p>;
  const record = deal.data.record;
  const open = record.stage !== "won" && record.stage !== "lost";
  return (
    <article aria-labelledby="deal-name">
      <div className="toolbar">
        <h1 id="deal-name">{record.name}</h1>
        <span className={`status status-${record.stage}`}>{record.stage}</span>
        <div className="actions">
          <PdfButton record={{ kind: "deals", id: record.id }} />
          {open && (
            <Link className="button" to={`/deals/${record.id}/edit`}>
              Edit
            </Link>
          )}
        </div>
      </div>
      <dl className="details">
        <dt>Amount</dt>
        <dd>{money(record.amount)}</dd>
        <dt>Expected to close</dt>
        <dd>{record.expected_close_date ?? "—"}</dd>
        {record.customer_id && (
          <>
            <dt>Customer</dt>
            <dd>
              <Link to={`/customers/${record.customer_id}`}>the customer</Link>
            </dd>
          </>
        )}
        {record.lost_reason && (
          <>
            <dt>Lost because</dt>
            <dd>{record.lost_reason}</dd>
          </>
        )}
        <dt>Tags</dt>
        <dd>{record.tags?.length ? record.tags.join(", ") : "—"}</dd>
      </dl>
      <p>
        <Link to="/deals">Move it on the pipeline</Link>
      </p>
      <NotesAndTimeline kind="deal" id={record.id} />
    </article>
  );
}

export function DealForm() {
  const { id } = useParams();
  const deal = useDeal(id);
  if (deal.isPending) return <p role="status">Loading the deal…</p>;
  if (deal.isError) return <p role="alert">{summary(deal.error)}</p>;
  return <DealEditor key={id} id={id!} loaded={deal.data} refetch={async () => (await deal.refetch()).data} />;
}

function DealEditor({ id, loaded, refetch }: { id: string; loaded: Loaded<Deal>; refetch: () => Promise<Loaded<Deal> | undefined> }) {
  const { api } = useApp();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const editor = useRecordEditor<Deal, DealValues>({
    loaded,
    empty: dealValues(loaded.record),
    valuesOf: dealValues,
    refetch,
    create: async () => ({ error: null }),
    update: (before, after, etag) =>
      api.PATCH("/api/v1/deals/{id}", { params: { path: { id }, header: { "If-Match": etag } }, body: dealChanges(before, after) }),
    onSaved: async () => {
      await queries.invalidateQueries({ queryKey: ["deals"] });
      queries.removeQueries({ queryKey: ["deal", id] });
      navigate(`/deals/${id}`);
    },
  });
  const { values, setValues } = editor;
  const set = setterOf(values, setValues);
  const errors = fieldErrors(editor.problem);
  return (
    <section aria-labelledby="deal-heading">
      <h1 id="deal-heading">Deal: {loaded.record.name}</h1>
      <form onSubmit={editor.submit} noValidate className="record-form">
        <FormProblem {...editor} />
        <Field label="Name" value={values.name} onChange={set("name")} error={errors.name} required />
        <Field label={`Amount (${values.currency})`} inputMode="decimal" value={values.amount} onChange={set("amount")} error={errors.amount} />
        <Field label="Expected to close" type="date" value={values.expectedClose} onChange={set("expectedClose")} error={errors.expected_close_date} />
        <Field label="Tags (comma-separated)" value={values.tags} onChange={set("tags")} error={errors.tags} />
        <FormActions busy={editor.busy} onCancel={() => navigate(`/deals/${id}`)} />
      </form>
    </section>
  );
}
