import type { components } from "../api/schema";

export type Message = components["schemas"]["Message"];
type Notification = components["schemas"]["Notification"];

/** Server events over the WebSocket API, as `crm_domain::chat::ServerEvent` sends them. */
export type ServerEvent =
  | { type: "message"; message: Message; mentioned: boolean }
  | { type: "typing"; channel_id: string; user_id: string }
  | { type: "presence"; user_id: string; status: "online" | "offline" }
  | { type: "read"; channel_id: string; user_id: string; message_id?: string | null }
  | { type: "notification"; notification: Notification }
  | { type: "job_progress"; job_id: string; percent: number; processed: number }
  | { type: "ack"; action: string; message_id?: string; client_id?: string }
  | { type: "error"; error: string; field?: string };

/**
 * A channel's messages, oldest first, each once: history pages and live events overlap (a reconnect refetches
 * the newest page; a message may arrive live and in a page), so merging is by id. Message ids are ULIDs, so
 * their order is their time order.
 */
export function merge(existing: Message[], more: Message[]): Message[] {
  const byId = new Map(existing.map((m) => [m.id, m]));
  for (const message of more) byId.set(message.id, message);
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Who is typing in a channel: a typing event lasts this long unless repeated. */
export const TYPING_MS = 4000;

export function typingNow(typing: Map<string, number>, now: number): string[] {
  return [...typing].filter(([, at]) => now - at < TYPING_MS).map(([user]) => user);
}

/** The `@` word being typed at the end of `text`, for autocomplete (`"hi @ad"` → `"ad"`). */
export function mentionQuery(text: string): string | null {
  const match = /(?:^|\s)@([\p{L}\p{N}._-]*)$/u.exec(text);
  return match ? (match[1] ?? "") : null;
}

/** `text` with the `@` word at its end replaced by a mention of `userId` (the API's mention syntax). */
export function completeMention(text: string, userId: string): string {
  return text.replace(/@[\p{L}\p{N}._-]*$/u, `@${userId} `);
}
