import { describe, expect, it } from "vitest";
import { columns, moved, type Deal } from "./board";

const deal = (id: string, stage: Deal["stage"], amount: number, currency: "EUR" | "USD" = "EUR"): Deal =>
  ({ id, stage, name: id, amount: { amount_minor: amount, currency } }) as Deal;

describe("the pipeline board", () => {
  it("puts deals in stage columns with totals per currency", () => {
    const board = columns([deal("a", "proposal", 100), deal("b", "proposal", 50), deal("c", "proposal", 7, "USD"), deal("d", "won", 1)]);
    expect(board.map((c) => c.stage)).toEqual(["prospecting", "qualification", "proposal", "negotiation", "won", "lost"]);
    const proposal = board[2]!;
    expect(proposal.deals.map((d) => d.id)).toEqual(["a", "b", "c"]);
    expect(proposal.totals).toEqual([
      { currency: "EUR", amount_minor: 150 },
      { currency: "USD", amount_minor: 7 },
    ]);
    expect(board[0]!.totals).toEqual([]);
  });
  it("moves a card at once, leaving the others", () => {
    const after = moved([deal("a", "proposal", 1), deal("b", "proposal", 1)], "a", "won");
    expect(after.map((d) => d.stage)).toEqual(["won", "proposal"]);
  });
});
