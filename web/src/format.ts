import type { components } from "./api/schema";

export type Money = components["schemas"]["Money"];

/** Minor units as the currency writes them (`12345 EUR` → `€123.45`; `JPY` has no minor unit). */
export function money(value: Money, locale?: string): string {
  const format = new Intl.NumberFormat(locale, { style: "currency", currency: value.currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(value.amount_minor / 10 ** digits);
}

/** Major units typed by a person (`1234.5`) as minor units for the currency, or null when not a number. */
export function minorUnits(typed: string, currency: Money["currency"]): number | null {
  const number = Number(typed.replace(/[\s,]/g, ""));
  if (typed.trim() === "" || !Number.isFinite(number) || number < 0) return null;
  const digits = new Intl.NumberFormat(undefined, { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return Math.round(number * 10 ** digits);
}

export function when(timestamp: string, locale?: string): string {
  return new Date(timestamp).toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" });
}
