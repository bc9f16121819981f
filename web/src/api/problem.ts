import type { components } from "./schema";

export type Problem = components["schemas"]["Problem"];

export function isProblem(value: unknown): value is Problem {
  return typeof value === "object" && value !== null && "status" in value && "title" in value && "detail" in value;
}

/**
 * What a problem document says about each field of a form: its `errors` (validation, one per field) and
 * its `field` (a conflict or a missing reference names one). The first message of a field wins.
 */
export function fieldErrors(problem: unknown): Record<string, string> {
  if (!isProblem(problem)) return {};
  const errors: Record<string, string> = {};
  for (const error of problem.errors ?? []) {
    const field = topField(error.field);
    errors[field] ??= error.message;
  }
  if (problem.field) errors[topField(problem.field)] ??= problem.detail;
  return errors;
}

/** `tags[3]` and `estimated_value.currency` belong to the `tags` and `estimated_value` inputs. */
function topField(path: string): string {
  return path.split(/[.[]/, 1)[0] ?? path;
}

/** One sentence for what went wrong, for a message above the form. */
export function summary(problem: unknown): string {
  if (!isProblem(problem)) return "Something went wrong. Try again in a moment.";
  if (problem.status === 412) return "Someone else changed this record while you were editing it.";
  return problem.detail || problem.title;
}
