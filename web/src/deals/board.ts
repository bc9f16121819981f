import type { components } from "../api/schema";
import type { Money } from "../format";

export type Deal = components["schemas"]["Deal"];
export type Stage = components["schemas"]["DealStage"];

export const STAGES: Stage[] = ["prospecting", "qualification", "proposal", "negotiation", "won", "lost"];

export interface Column {
  stage: Stage;
  deals: Deal[];
  /** The column's amounts, one per currency (deals in several currencies are not converted). */
  totals: Money[];
}

/** Deals in stage columns, newest first within each, with each column's totals per currency. */
export function columns(deals: Deal[]): Column[] {
  return STAGES.map((stage) => {
    const inStage = deals.filter((deal) => deal.stage === stage);
    const sums = new Map<Money["currency"], number>();
    for (const deal of inStage) sums.set(deal.amount.currency, (sums.get(deal.amount.currency) ?? 0) + deal.amount.amount_minor);
    const totals = [...sums].map(([currency, amount_minor]) => ({ currency, amount_minor }));
    return { stage, deals: inStage, totals };
  });
}

/** The board after `deal` moved to `stage`, before the API has answered (undone if it refuses). */
export function moved(deals: Deal[], id: string, stage: Stage): Deal[] {
  return deals.map((deal) => (deal.id === id ? { ...deal, stage } : deal));
}
