import { describe, expect, it, vi } from "vitest";
import { completeMention, mentionQuery, merge, typingNow, type Message } from "./state";
import { ChatSocket, type SocketLike } from "./socket";

const message = (id: string, body = id): Message =>
  ({ id, body, channel_id: "C", author_id: "U", created_at: "2026-11-29T10:00:00Z" }) as Message;

describe("chat state", () => {
  it("merges history and live messages once each, in order", () => {
    const merged = merge([message("01B"), message("01D")], [message("01C"), message("01B", "again"), message("01A")]);
    expect(merged.map((m) => m.id)).toEqual(["01A", "01B", "01C", "01D"]);
    expect(merged[1]!.body).toBe("again");
  });
  it("forgets typing after a few seconds", () => {
    const typing = new Map([["ada", 1000], ["bob", 4500]]);
    expect(typingNow(typing, 5500)).toEqual(["bob"]);
  });
  it("completes the @ word being typed", () => {
    expect(mentionQuery("hi @ad")).toBe("ad");
    expect(mentionQuery("mail a@b")).toBeNull();
    expect(mentionQuery("hi @")).toBe("");
    expect(completeMention("hi @ad", "01USER")).toBe("hi @01USER ");
  });
});

class FakeSocket implements SocketLike {
  static opened: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  constructor(public url: string) {
    FakeSocket.opened.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
    this.onclose?.({ code: 1000 });
  }
  up() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({ code: 1006 });
  }
}

describe("the chat socket", () => {
  it("reconnects after a drop and sends again what was never acked", async () => {
    vi.useFakeTimers();
    FakeSocket.opened = [];
    const statuses: boolean[] = [];
    const socket = new ChatSocket({
      url: "ws://chat",
      token: async () => "T",
      open: (url) => new FakeSocket(url),
      onEvent: () => undefined,
      onStatus: (up) => statuses.push(up),
      backoffMs: [100, 1000],
    });
    socket.start();
    await vi.runAllTicks();
    await Promise.resolve();
    const first = FakeSocket.opened[0]!;
    expect(first.url).toBe("ws://chat/?token=T");
    first.up();
    socket.send({ action: "sendMessage", channel_id: "C", body: "one", client_id: "c1" });
    socket.send({ action: "sendMessage", channel_id: "C", body: "two", client_id: "c2" });
    first.onmessage?.({ data: JSON.stringify({ type: "ack", action: "sendMessage", client_id: "c1", message_id: "M1" }) });
    first.drop();
    await vi.advanceTimersByTimeAsync(100);
    const second = FakeSocket.opened[1]!;
    second.up();
    expect(second.sent.map((s) => JSON.parse(s).client_id)).toEqual(["c2"]);
    expect(statuses).toEqual([true, false, true]);
    socket.stop();
    vi.useRealTimers();
  });
});
