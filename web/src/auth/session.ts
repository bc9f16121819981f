import type { components } from "../api/schema";

export type User = components["schemas"]["User"];
export type TokenPair = components["schemas"]["TokenPair"];

export interface Stored {
  accessToken: string;
  refreshToken: string;
  /** When the access token expires, in milliseconds since the epoch. */
  expiresAt: number;
  user: User;
}

/** Where the session is kept between page loads (localStorage in the browser, a map in tests). */
export interface KeyValue {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const KEY = "crm.session";

/**
 * The signed-in user's tokens. The refresh token rotates: each refresh answers a new pair and spends the old
 * one, so concurrent refreshes must share one call (a second call with the spent token would revoke the
 * session). A refresh the server refuses ends the session.
 */
export class Session {
  private current: Stored | null;
  private refreshing: Promise<boolean> | null = null;
  private listeners = new Set<() => void>();

  constructor(
    private readonly storage: KeyValue,
    private readonly exchange: (refreshToken: string) => Promise<TokenPair | null>,
    private readonly now: () => number = Date.now,
  ) {
    this.current = read(storage);
  }

  get(): Stored | null {
    return this.current;
  }

  start(pair: TokenPair, user: User): void {
    this.save({ accessToken: pair.access_token, refreshToken: pair.refresh_token, expiresAt: this.expiry(pair), user });
  }

  end(): void {
    this.current = null;
    this.storage.removeItem(KEY);
    this.notify();
  }

  /** Whether the access token expires within `marginMs` (a request sent now might arrive too late). */
  expiresWithin(marginMs: number): boolean {
    return this.current !== null && this.current.expiresAt - this.now() < marginMs;
  }

  /** Trades the refresh token for a new pair, once however many callers ask at the same time. */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.trade().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async trade(): Promise<boolean> {
    const current = this.current;
    if (!current) return false;
    const pair = await this.exchange(current.refreshToken).catch(() => null);
    if (!pair) {
      this.end();
      return false;
    }
    this.save({ ...current, accessToken: pair.access_token, refreshToken: pair.refresh_token, expiresAt: this.expiry(pair) });
    return true;
  }

  private expiry(pair: TokenPair): number {
    return this.now() + pair.expires_in * 1000;
  }

  private save(stored: Stored): void {
    this.current = stored;
    this.storage.setItem(KEY, JSON.stringify(stored));
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

function read(storage: KeyValue): Stored | null {
  try {
    const text = storage.getItem(KEY);
    return text ? (JSON.parse(text) as Stored) : null;
  } catch {
    return null;
  }
}
