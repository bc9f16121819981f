import { describe, expect, it } from "vitest";
import { notificationLink, readable, type Notification } from "./inbox";

const base: Notification = {
  id: "01JDA5Y2ZK8Q3W4E5R6T7Y8V9J",
  kind: "assigned",
  summary: "The lead “Acme” is now yours",
  created_at: "2026-11-29T10:00:00.000Z",
};

describe("notificationLink", () => {
  it("leads to the record a notification is about", () => {
    expect(notificationLink({ ...base, record_type: "lead", record_id: "L1" })).toBe("/leads/L1");
    expect(notificationLink({ ...base, record_type: "customer", record_id: "C1" })).toBe("/customers/C1");
    expect(notificationLink({ ...base, record_type: "deal", record_id: "D1" })).toBe("/deals/D1");
  });

  it("leads to the channel of a mention, and nowhere for a failed sync", () => {
    expect(notificationLink({ ...base, kind: "mention", channel_id: "CH", message_id: "M" })).toBe("/chat/CH");
    expect(notificationLink({ ...base, kind: "sync_failed" })).toBeNull();
  });
});

describe("readable", () => {
  it("names mentioned people the directory knows, and leaves the others", () => {
    const names = new Map([["01JDA5Y2ZK8Q3W4E5R6T7Y8V9J", "Ada"]]);
    expect(readable("You were mentioned: “@01JDA5Y2ZK8Q3W4E5R6T7Y8V9J and @01JDA5Y2ZK8Q3W4E5R6T7Y8V9K”", names)).toBe(
      "You were mentioned: “@Ada and @01JDA5Y2ZK8Q3W4E5R6T7Y8V9K”",
    );
  });
});
