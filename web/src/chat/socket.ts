import type { ServerEvent } from "./state";

/** What the socket needs of the browser's WebSocket (a fake in tests). */
export interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: { code: number }) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
}

export interface Options {
  url: string;
  /** The access token to connect with (refreshed first when it is about to expire). */
  token: () => Promise<string | null>;
  open: (url: string) => SocketLike;
  onEvent: (event: ServerEvent) => void;
  /** Told when the connection comes up (`true`, after a reconnect too) or drops (`false`). */
  onStatus: (connected: boolean) => void;
  heartbeatMs?: number;
  /** Waits between reconnects: doubling from the first, up to the last. */
  backoffMs?: [number, number];
}

const OPEN = 1;

/**
 * A WebSocket that stays connected: it reconnects with backoff after a drop, sends a heartbeat so the
 * connection stays announced, and keeps each sent frame that carries a `client_id` until the server acks
 * it, sending it again after a reconnect, so nothing typed is lost (the server's `client_id` echo lets the
 * UI match the ack; a message it stored twice would come back with one id per copy, so frames are only
 * resent when no ack came).
 */
export class ChatSocket {
  private socket: SocketLike | null = null;
  private pending = new Map<string, string>();
  private stopped = false;
  private attempt = 0;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private retry: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly options: Options) {}

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.socket?.close(1000, "bye");
    this.socket = null;
  }

  /** Sends a frame now if connected; one with a `client_id` is kept until acked. */
  send(frame: Record<string, unknown>): void {
    const text = JSON.stringify(frame);
    if (typeof frame.client_id === "string") this.pending.set(frame.client_id, text);
    if (this.socket?.readyState === OPEN) this.socket.send(text);
  }

  private async connect(): Promise<void> {
    const token = await this.options.token();
    if (this.stopped) return;
    if (!token) return this.options.onStatus(false);
    const socket = this.options.open(`${this.options.url}/?token=${encodeURIComponent(token)}`);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.options.onStatus(true);
      for (const text of this.pending.values()) socket.send(text);
      this.heartbeat = setInterval(() => {
        if (socket.readyState === OPEN) socket.send(JSON.stringify({ action: "heartbeat" }));
      }, this.options.heartbeatMs ?? 60_000);
    };
    socket.onmessage = (event) => {
      let parsed: ServerEvent;
      try {
        parsed = JSON.parse(String(event.data)) as ServerEvent;
      } catch {
        return;
      }
      if (parsed.type === "ack" && parsed.client_id) this.pending.delete(parsed.client_id);
      this.options.onEvent(parsed);
    };
    socket.onclose = () => {
      if (this.heartbeat) clearInterval(this.heartbeat);
      if (this.socket === socket) this.socket = null;
      this.options.onStatus(false);
      if (this.stopped) return;
      const [first, last] = this.options.backoffMs ?? [1000, 30_000];
      const wait = Math.min(last, first * 2 ** this.attempt++);
      this.retry = setTimeout(() => void this.connect(), wait);
    };
  }
}
