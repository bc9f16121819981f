import type { components } from "../api/schema";

export type Lead = components["schemas"]["Lead"];
type EditableStatus = NonNullable<components["schemas"]["LeadPatch"]["status"]>;
export type LeadPatch = components["schemas"]["LeadPatch"];
export type NewLead = components["schemas"]["NewLead"];

/** A lead as its form holds it: text as typed, tags comma-separated. */
export interface LeadValues {
  name: string;
  company: string;
  email: string;
  phone: string;
  status: EditableStatus;
  tags: string;
}

export const EMPTY_LEAD: LeadValues = { name: "", company: "", email: "", phone: "", status: "new", tags: "" };

export function valuesOf(lead: Lead): LeadValues {
  return {
    name: lead.name,
    company: lead.company ?? "",
    email: lead.email ?? "",
    phone: lead.phone ?? "",
    status: lead.status === "converted" ? "qualified" : lead.status,
    tags: (lead.tags ?? []).join(", "),
  };
}

const optional = (text: string) => (text.trim() === "" ? null : text.trim());
const tagList = (text: string) =>
  text
    .split(",")
    .map((tag) => tag.trim())
    .filter(Boolean);

/** A new lead: blank optional fields left out. */
export function newLead(values: LeadValues): NewLead {
  return {
    name: values.name.trim(),
    company: optional(values.company),
    email: optional(values.email),
    phone: optional(values.phone),
    status: values.status,
    tags: tagList(values.tags),
  };
}

/**
 * Only what the user changed since the form was filled: saving over someone else's change (after a 412)
 * then keeps every field the user did not touch as the other person left it. A cleared field is `null`.
 */
export function changes(before: LeadValues, after: LeadValues): LeadPatch {
  const patch: LeadPatch = {};
  if (after.name.trim() !== before.name.trim()) patch.name = after.name.trim();
  for (const key of ["company", "email", "phone"] as const) {
    if (optional(after[key]) !== optional(before[key])) patch[key] = optional(after[key]);
  }
  if (after.status !== before.status) patch.status = after.status;
  if (tagList(after.tags).join(",") !== tagList(before.tags).join(",")) patch.tags = tagList(after.tags);
  return patch;
}
