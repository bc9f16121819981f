/** What leads and customers share on their forms: who the contact is, as typed. */
export interface ContactValues {
  name: string;
  company: string;
  email: string;
  phone: string;
  tags: string;
}

export const EMPTY_CONTACT: ContactValues = { name: "", company: "", email: "", phone: "", tags: "" };

interface ContactRecord {
  name: string;
  company?: string | null;
  email?: string | null;
  phone?: string | null;
  tags?: string[];
}

export function contactValues(record: ContactRecord): ContactValues {
  return {
    name: record.name,
    company: record.company ?? "",
    email: record.email ?? "",
    phone: record.phone ?? "",
    tags: (record.tags ?? []).join(", "),
  };
}

export const optional = (text: string) => (text.trim() === "" ? null : text.trim());
export const tagList = (text: string) =>
  text
    .split(",")
    .map((tag) => tag.trim())
    .filter(Boolean);

/** A new contact: blank optional fields left out (`null`), tags split on commas. */
export function newContact(values: ContactValues) {
  return {
    name: values.name.trim(),
    company: optional(values.company),
    email: optional(values.email),
    phone: optional(values.phone),
    tags: tagList(values.tags),
  };
}

/**
 * Only what the user changed since the form was filled: saving over someone else's change (after a 412)
 * then keeps every field the user did not touch as the other person left it. A cleared field is `null`.
 */
export function contactChanges(before: ContactValues, after: ContactValues) {
  const patch: { name?: string; company?: string | null; email?: string | null; phone?: string | null; tags?: string[] } = {};
  if (after.name.trim() !== before.name.trim()) patch.name = after.name.trim();
  for (const key of ["company", "email", "phone"] as const) {
    if (optional(after[key]) !== optional(before[key])) patch[key] = optional(after[key]);
  }
  if (tagList(after.tags).join(",") !== tagList(before.tags).join(",")) patch.tags = tagList(after.tags);
  return patch;
}
