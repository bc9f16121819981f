import { describe, expect, it } from "vitest";
import { Session, type KeyValue, type TokenPair, type User } from "./session";

class Memory implements KeyValue {
  values = new Map<string, string>();
  getItem(key: string) {
    return this.values.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.values.set(key, value);
  }
  removeItem(key: string) {
    this.values.delete(key);
  }
}

const user = { id: "U1", email: "ada@example.com", name: "Ada", role: "admin", status: "active" } as unknown as User;
const pair = (n: number): TokenPair => ({
  access_token: `access-${n}`,
  refresh_token: `refresh-${n}`,
  expires_in: 900,
  refresh_expires_in: 86400,
  token_type: "Bearer",
});

describe("the session", () => {
  it("trades a rotating refresh token once, however many requests ask at the same time", async () => {
    const spent: string[] = [];
    let next = 2;
    const session = new Session(new Memory(), async (token) => {
      spent.push(token);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return pair(next++);
    });
    session.start(pair(1), user);
    const results = await Promise.all([session.refresh(), session.refresh(), session.refresh()]);
    expect(results).toEqual([true, true, true]);
    expect(spent).toEqual(["refresh-1"]);
    expect(session.get()?.accessToken).toBe("access-2");
    await session.refresh();
    expect(spent).toEqual(["refresh-1", "refresh-2"]);
  });

  it("ends when the server refuses the refresh token, and survives a reload otherwise", async () => {
    const storage = new Memory();
    const session = new Session(storage, async () => null);
    session.start(pair(1), user);
    expect(new Session(storage, async () => null).get()?.user.email).toBe("ada@example.com");
    let ended = false;
    session.subscribe(() => (ended = session.get() === null));
    expect(await session.refresh()).toBe(false);
    expect(ended).toBe(true);
    expect(new Session(storage, async () => null).get()).toBeNull();
  });

  it("knows when the access token is about to expire", () => {
    let now = 1_000_000;
    const session = new Session(new Memory(), async () => null, () => now);
    session.start(pair(1), user);
    expect(session.expiresWithin(30_000)).toBe(false);
    now += 880_000;
    expect(session.expiresWithin(30_000)).toBe(true);
  });
});
