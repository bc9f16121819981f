import { useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "react-router";
import { useApp } from "../context";
import { Field } from "../components/Field";
import { NotesAndTimeline } from "../components/Notes";
import { fieldErrors, summary } from "../api/problem";
import { contactChanges, contactValues, EMPTY_CONTACT, newContact, type ContactValues } from "../records/contact";
import { FormProblem, useLoaded, useRecordEditor, type Loaded } from "../records/editor";
import { ContactDetails, ContactFields, FormActions, setterOf } from "../records/parts";
import type { components } from "../api/schema";
import { PdfButton } from "../components/PdfButton";
import { LikelyDuplicates, Missing } from "../components/Duplicates";

type Customer = components["schemas"]["Customer"];

function useCustomer(id: string | undefined) {
  const { api } = useApp();
  return useLoaded<Customer>("customer", id, (id) => api.GET("/api/v1/customers/{id}", { params: { path: { id } } }));
}

/** A customer: details, notes and timeline. */
export function CustomerPage() {
  const { id } = useParams();
  const customer = useCustomer(id);
  if (customer.isPending) return <p role="status">Loading the customer…</p>;
  if (customer.isError) return <Missing kind="customers" error={customer.error} />;
  const record = customer.data.record;
  return (
    <article aria-labelledby="customer-name">
      <div className="toolbar">
        <h1 id="customer-name">{record.name}</h1>
        <div className="actions">
          <PdfButton record={{ kind: "customers", id: record.id }} />
          <Link className="button" to={`/customers/${record.id}/edit`}>
            Edit
          </Link>
        </div>
      </div>
      <dl className="details">
        <ContactDetails record={record} />
        {record.lead_id && (
          <>
            <dt>From lead</dt>
            <dd>
              <Link to={`/leads/${record.lead_id}`}>the lead it was converted from</Link>
            </dd>
          </>
        )}
      </dl>
      <LikelyDuplicates kind="customers" id={record.id} etag={customer.data.etag} />
      <NotesAndTimeline kind="customer" id={record.id} />
    </article>
  );
}

/** Creates a customer, or edits one. */
export function CustomerForm() {
  const { id } = useParams();
  const customer = useCustomer(id);
  if (!id) return <CustomerEditor />;
  if (customer.isPending) return <p role="status">Loading the customer…</p>;
  if (customer.isError) return <p role="alert">{summary(customer.error)}</p>;
  return <CustomerEditor key={id} id={id} loaded={customer.data} refetch={async () => (await customer.refetch()).data} />;
}

function CustomerEditor({ id, loaded, refetch }: { id?: string; loaded?: Loaded<Customer>; refetch?: () => Promise<Loaded<Customer> | undefined> }) {
  const { api } = useApp();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const back = id ? `/customers/${id}` : "/customers";
  const editor = useRecordEditor<Customer, ContactValues>({
    loaded,
    empty: EMPTY_CONTACT,
    valuesOf: contactValues,
    refetch,
    create: (values, key) => api.POST("/api/v1/customers", { params: { header: { "Idempotency-Key": key } }, body: newContact(values) }),
    update: (before, after, etag) =>
      api.PATCH("/api/v1/customers/{id}", { params: { path: { id: id! }, header: { "If-Match": etag } }, body: contactChanges(before, after) }),
    onSaved: async () => {
      await queries.invalidateQueries({ queryKey: ["customers"] });
      queries.removeQueries({ queryKey: ["customer", id] });
      navigate(back);
    },
  });
  const { values, setValues } = editor;
  const set = setterOf(values, setValues);
  const errors = fieldErrors(editor.problem);
  return (
    <section aria-labelledby="customer-heading">
      <h1 id="customer-heading">{loaded ? `Customer: ${loaded.record.name}` : "New customer"}</h1>
      <form onSubmit={editor.submit} noValidate className="record-form">
        <FormProblem {...editor} />
        <ContactFields values={values} set={set} errors={errors} />
        <Field label="Tags (comma-separated)" value={values.tags} onChange={set("tags")} error={errors.tags} />
        <FormActions busy={editor.busy} onCancel={() => navigate(back)} />
      </form>
    </section>
  );
}
