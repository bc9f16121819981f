import type { components } from "../api/schema";
import { minorUnits, type Money } from "../format";
import { tagList } from "../records/contact";

export type Deal = components["schemas"]["Deal"];
export type DealPatch = components["schemas"]["DealPatch"];

/** A deal as its form holds it: the amount in major units as typed. */
export interface DealValues {
  name: string;
  amount: string;
  currency: Money["currency"];
  expectedClose: string;
  tags: string;
}

export function dealValues(deal: Deal): DealValues {
  const digits = new Intl.NumberFormat("en", { style: "currency", currency: deal.amount.currency }).resolvedOptions()
    .maximumFractionDigits ?? 2;
  return {
    name: deal.name,
    amount: (deal.amount.amount_minor / 10 ** digits).toFixed(digits),
    currency: deal.amount.currency,
    expectedClose: deal.expected_close_date ?? "",
    tags: (deal.tags ?? []).join(", "),
  };
}

/** What changed; an amount that is not a number is sent as typed for the API to name (`amount`). */
export function dealChanges(before: DealValues, after: DealValues): DealPatch {
  const patch: DealPatch = {};
  if (after.name.trim() !== before.name.trim()) patch.name = after.name.trim();
  if (after.amount !== before.amount || after.currency !== before.currency) {
    patch.amount = { amount_minor: minorUnits(after.amount, after.currency) ?? Number.NaN, currency: after.currency };
  }
  if (after.expectedClose !== before.expectedClose) patch.expected_close_date = after.expectedClose || null;
  if (tagList(after.tags).join(",") !== tagList(before.tags).join(",")) patch.tags = tagList(after.tags);
  return patch;
}
