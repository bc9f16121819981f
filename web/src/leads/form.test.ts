import { describe, expect, it } from "vitest";
import { changes, EMPTY_LEAD, newLead } from "./form";

const loaded = { ...EMPTY_LEAD, name: "Ada", company: "Engines", phone: "+44 20", tags: "vip, emea" };

describe("the lead form", () => {
  it("sends only what the user changed, so saving over another change keeps the rest", () => {
    expect(changes(loaded, { ...loaded, company: " Difference Engines " })).toEqual({ company: "Difference Engines" });
    expect(changes(loaded, { ...loaded, phone: "  " })).toEqual({ phone: null });
    expect(changes(loaded, { ...loaded, tags: "vip,emea" })).toEqual({});
    expect(changes(loaded, { ...loaded, tags: "vip", status: "qualified" })).toEqual({ tags: ["vip"], status: "qualified" });
  });

  it("leaves blank optional fields out of a new lead and splits tags", () => {
    expect(newLead({ ...EMPTY_LEAD, name: " Ada ", email: "", tags: " a, ,b " })).toEqual({
      name: "Ada",
      company: null,
      email: null,
      phone: null,
      status: "new",
      tags: ["a", "b"],
    });
  });
});
