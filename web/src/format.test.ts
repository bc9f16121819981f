import { describe, expect, it } from "vitest";
import { minorUnits, money } from "./format";

describe("money", () => {
  it("writes minor units in the currency's own way", () => {
    expect(money({ amount_minor: 12345, currency: "EUR" }, "en-GB")).toBe("€123.45");
    expect(money({ amount_minor: 500, currency: "JPY" }, "en-GB")).toBe("JP¥500");
  });
  it("reads what a person types into minor units", () => {
    expect(minorUnits("1,234.5", "EUR")).toBe(123450);
    expect(minorUnits("500", "JPY")).toBe(500);
    expect(minorUnits("", "EUR")).toBeNull();
    expect(minorUnits("lots", "EUR")).toBeNull();
    expect(minorUnits("-3", "EUR")).toBeNull();
  });
});
