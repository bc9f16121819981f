import { describe, expect, it } from "vitest";
import { dealChanges, dealValues, type Deal } from "./form";

const deal = { name: "Big", amount: { amount_minor: 120050, currency: "EUR" }, expected_close_date: null, tags: ["q4"] } as unknown as Deal;

describe("the deal form", () => {
  it("shows the amount in major units and sends only what changed", () => {
    const before = dealValues(deal);
    expect(before.amount).toBe("1200.50");
    expect(dealChanges(before, { ...before, amount: "1300" })).toEqual({ amount: { amount_minor: 130000, currency: "EUR" } });
    expect(dealChanges(before, { ...before, expectedClose: "2026-12-31", tags: "q4" })).toEqual({ expected_close_date: "2026-12-31" });
    expect(dealChanges(before, before)).toEqual({});
  });
});
