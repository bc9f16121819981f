import { useQuery } from "@tanstack/react-query";
import { useApp } from "../context";
import type { components } from "../api/schema";

export type Notification = components["schemas"]["Notification"];
export type Preferences = components["schemas"]["Preferences"];

/** Every notification query starts with this key, so one invalidation refreshes the list and the count. */
export const NOTIFICATIONS = "notifications";

/** Where a notification leads: the record it is about, or the chat message's channel. */
export function notificationLink(notification: Notification): string | null {
  const { record_type: type, record_id: id, channel_id: channel } = notification;
  if (type && id) return `/${type === "lead" ? "leads" : type === "customer" ? "customers" : "deals"}/${id}`;
  if (channel) return `/chat/${channel}`;
  return null;
}

/** A summary for people: `@<user id>` mentions quoted in it become `@Name` where the directory knows them. */
export function readable(summary: string, names: Map<string, string> | undefined): string {
  return summary.replace(/@([0-9A-HJKMNP-TV-Z]{26})/g, (mention, id: string) => {
    const name = names?.get(id);
    return name ? `@${name}` : mention;
  });
}

/** What each kind a user can switch means; every kind must be here (the type says so). */
const LABELS: Record<keyof Preferences, string> = {
  mention: "Someone mentions me in chat",
  assigned: "A lead, customer or deal is given to me",
  lead_delivered: "A webhook delivers a lead to me",
  deal_closed: "Someone wins or loses a deal of mine",
  note_added: "Someone writes a note on my record",
  sync_failed: "My Google Contacts sync fails",
  webhook_disabled: "An outgoing webhook endpoint is disabled (admins)",
  plan_changed: "The account's plan or subscription changes (admins)",
  job_finished: "An export I asked for is ready, or fails",
};

/** The kinds, in the order the settings show them. */
export const KINDS = (Object.keys(LABELS) as (keyof Preferences)[]).map((kind) => ({ kind, label: LABELS[kind] }));

/** How many of the signed-in user's notifications are unread; live events refresh it. */
export function useUnreadNotifications(enabled: boolean) {
  const { api } = useApp();
  return useQuery({
    queryKey: [NOTIFICATIONS, "unread-count"],
    enabled,
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/notifications/unread_count");
      if (!data) throw error;
      return data.unread;
    },
  });
}
