import { Field } from "../components/Field";
import type { ContactValues } from "./contact";

type Setter<V> = (key: keyof V) => (event: { target: { value: string } }) => void;

/** Who a lead or customer is: the form's contact inputs. */
export function ContactFields<V extends ContactValues>({ values, set, errors }: { values: V; set: Setter<V>; errors: Record<string, string> }) {
  return (
    <>
      <Field label="Name" value={values.name} onChange={set("name")} error={errors.name} required />
      <Field label="Company" value={values.company} onChange={set("company")} error={errors.company} />
      <Field label="Email" type="email" value={values.email} onChange={set("email")} error={errors.email} />
      <Field label="Phone" type="tel" value={values.phone} onChange={set("phone")} error={errors.phone} />
    </>
  );
}

/** Who a lead or customer is, for reading. */
export function ContactDetails({ record }: { record: { company?: string | null; email?: string | null; phone?: string | null; tags?: string[] } }) {
  return (
    <>
      <dt>Company</dt>
      <dd>{record.company ?? "—"}</dd>
      <dt>Email</dt>
      <dd>{record.email ?? "—"}</dd>
      <dt>Phone</dt>
      <dd>{record.phone ?? "—"}</dd>
      <dt>Tags</dt>
      <dd>{record.tags?.length ? record.tags.join(", ") : "—"}</dd>
    </>
  );
}

export function FormActions({ busy, onCancel }: { busy: boolean; onCancel: () => void }) {
  return (
    <div className="actions">
      <button type="submit" disabled={busy}>
        {busy ? "Saving…" : "Save"}
      </button>
      <button type="button" className="secondary" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

/** A setter per field of a form's values. */
export function setterOf<V>(values: V, setValues: (values: V) => void): Setter<V> {
  return (key) => (event) => setValues({ ...values, [key]: event.target.value });
}
