import { useState, type FormEvent } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { useLead } from "./LeadForm";
import { Link, useNavigate, useParams } from "react-router";
import { useApp } from "../context";
import { Field } from "../components/Field";
import { NotesAndTimeline } from "../components/Notes";
import { fieldErrors, summary } from "../api/problem";
import { minorUnits } from "../format";
import { ContactDetails } from "../records/parts";
import { PdfButton } from "../components/PdfButton";
import { LikelyDuplicates, Missing } from "../components/Duplicates";

/** A lead: its details, conversion (once qualified), notes and timeline. */
export function LeadPage() {
  const { id } = useParams();
  const lead = useLead(id);
  if (lead.isPending) return <p role="status">Loading the lead…</p>;
  if (lead.isError) return <Missing kind="leads" error={lead.error} />;
  const record = lead.data.record;
  return (
    <article aria-labelledby="lead-name">
      <div className="toolbar">
        <h1 id="lead-name">{record.name}</h1>
        <span className={`status status-${record.status}`}>{record.status}</span>
        <div className="actions">
          <PdfButton record={{ kind: "leads", id: record.id }} />
          {record.status !== "converted" && (
            <Link className="button" to={`/leads/${record.id}/edit`}>
              Edit
            </Link>
          )}
        </div>
      </div>
      <dl className="details">
        <ContactDetails record={record} />
      </dl>
      <LikelyDuplicates kind="leads" id={record.id} etag={lead.data.etag} />
      {record.status === "qualified" && <Convert id={record.id} name={record.company ?? record.name} />}
      {record.status === "converted" && (
        <p>
          Converted
          {record.customer_id ? (
            <>
              {" "}into <Link to={`/customers/${record.customer_id}`}>a customer</Link>
            </>
          ) : null}
          . <Link to="/deals">See the pipeline</Link>.
        </p>
      )}
      <NotesAndTimeline kind="lead" id={record.id} />
    </article>
  );
}

/** Converts a qualified lead into a customer, and optionally opens a deal with it. */
function Convert({ id, name }: { id: string; name: string }) {
  const { api } = useApp();
  const queries = useQueryClient();
  const navigate = useNavigate();
  const [withDeal, setWithDeal] = useState(true);
  const [deal, setDeal] = useState({ name: `${name} deal`, amount: "", currency: "EUR" as const });
  const [problem, setProblem] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const amount = minorUnits(deal.amount, deal.currency);
    if (withDeal && amount === null) {
      return setProblem({ type: "about:blank", title: "Invalid", status: 422, detail: "An amount is needed", instance: "", errors: [{ field: "deal.amount", message: "a number, like 1200.50" }] });
    }
    setBusy(true);
    const body = withDeal ? { deal: { name: deal.name, amount: { amount_minor: amount ?? 0, currency: deal.currency } } } : {};
    const { data, error } = await api.POST("/api/v1/leads/{id}/convert", { params: { path: { id } }, body });
    setBusy(false);
    if (!data) return setProblem(error);
    await queries.invalidateQueries();
    navigate(data.deal ? "/deals" : "/leads");
  };
  const errors = fieldErrors(problem);
  const dealErrors = Object.fromEntries(
    ((problem as { errors?: { field: string; message: string }[] } | null)?.errors ?? []).map((e) => [e.field.replace(/^deal\./, ""), e.message]),
  );
  return (
    <section aria-labelledby="convert-heading" className="panel">
      <h2 id="convert-heading">Convert into a customer</h2>
      <form onSubmit={submit} noValidate>
        {problem !== null && <p role="alert" className="form-error">{summary(problem)}</p>}
        <label className="inline">
          <input type="checkbox" checked={withDeal} onChange={(e) => setWithDeal(e.target.checked)} /> Open a deal too
        </label>
        {withDeal && (
          <>
            <Field label="Deal name" value={deal.name} onChange={(e) => setDeal({ ...deal, name: e.target.value })} error={dealErrors.name ?? errors.deal} />
            <Field label="Amount (EUR)" inputMode="decimal" value={deal.amount} onChange={(e) => setDeal({ ...deal, amount: e.target.value })} error={dealErrors.amount} />
          </>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Converting…" : "Convert"}
        </button>
      </form>
    </section>
  );
}
