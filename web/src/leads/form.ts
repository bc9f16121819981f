import type { components } from "../api/schema";
import { contactChanges, contactValues, EMPTY_CONTACT, newContact, type ContactValues } from "../records/contact";

export type Lead = components["schemas"]["Lead"];
type EditableStatus = NonNullable<components["schemas"]["LeadPatch"]["status"]>;
export type LeadPatch = components["schemas"]["LeadPatch"];
export type NewLead = components["schemas"]["NewLead"];

/** A lead as its form holds it: a contact with a status. */
export interface LeadValues extends ContactValues {
  status: EditableStatus;
}

export const EMPTY_LEAD: LeadValues = { ...EMPTY_CONTACT, status: "new" };

export function valuesOf(lead: Lead): LeadValues {
  return { ...contactValues(lead), status: lead.status === "converted" ? "qualified" : lead.status };
}

export function newLead(values: LeadValues): NewLead {
  return { ...newContact(values), status: values.status };
}

/** Only what the user changed (see `contactChanges`), the status included. */
export function changes(before: LeadValues, after: LeadValues): LeadPatch {
  const patch: LeadPatch = contactChanges(before, after);
  if (after.status !== before.status) patch.status = after.status;
  return patch;
}
