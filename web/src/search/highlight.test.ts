import { describe, expect, it } from "vitest";
import { pieces } from "./highlight";

describe("search highlights", () => {
  it("split into matched and plain text, with entities decoded as text", () => {
    expect(pieces("<em>Jonathan</em> Smith &amp; <em>Sons</em> &lt;b&gt;")).toEqual([
      { text: "Jonathan", matched: true },
      { text: " Smith & ", matched: false },
      { text: "Sons", matched: true },
      { text: " <b>", matched: false },
    ]);
  });
});
