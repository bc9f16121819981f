import { describe, expect, it } from "vitest";
import { fieldErrors, summary } from "./problem";

const problem = (extra: object) => ({ type: "about:blank", title: "Unprocessable", status: 422, detail: "invalid", instance: "/x", ...extra });

describe("problem documents", () => {
  it("map each field error to its input, first message first", () => {
    const errors = fieldErrors(
      problem({
        errors: [
          { field: "email", message: "not an email address" },
          { field: "tags[3]", message: "too long" },
          { field: "tags[4]", message: "also too long" },
          { field: "estimated_value.currency", message: "unknown currency" },
        ],
      }),
    );
    expect(errors).toEqual({ email: "not an email address", tags: "too long", estimated_value: "unknown currency" });
  });

  it("put a conflict's detail next to the field it names", () => {
    expect(fieldErrors(problem({ status: 409, detail: "a converted lead keeps its status", field: "status" }))).toEqual({
      status: "a converted lead keeps its status",
    });
  });

  it("say what a stale save means, and never throw on something else", () => {
    expect(summary(problem({ status: 412 }))).toMatch(/someone else changed/i);
    expect(summary("oops")).toMatch(/something went wrong/i);
    expect(fieldErrors(null)).toEqual({});
  });
});
