import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";
import { Session, type TokenPair } from "../auth/session";

export type Api = ReturnType<typeof createClient<paths>>;

/** Refreshes this long before the access token expires, so a request does not arrive with a dead one. */
const EARLY_REFRESH_MS = 30_000;
const AUTH_PATHS = /\/api\/v1\/auth\//;

/**
 * The typed API client: every request carries the session's access token (refreshed shortly before it
 * expires); a 401 on a signed-in request refreshes once and retries it, and a refused refresh signs out.
 */
export function apiClient(baseUrl: string, session: Session): Api {
  const client = createClient<paths>({ baseUrl });
  const originals = new Map<string, Request>();
  const withToken = (request: Request, token: string) => {
    const headers = new Headers(request.headers);
    headers.set("Authorization", `Bearer ${token}`);
    return new Request(request, { headers });
  };
  const auth: Middleware = {
    async onRequest({ request, id }) {
      if (AUTH_PATHS.test(request.url) || !session.get()) return request;
      if (session.expiresWithin(EARLY_REFRESH_MS)) await session.refresh();
      const token = session.get()?.accessToken;
      if (!token) return request;
      originals.set(id, request.clone());
      return withToken(request, token);
    },
    async onResponse({ response, id }) {
      const original = originals.get(id);
      originals.delete(id);
      if (response.status !== 401 || !original) return response;
      if (!(await session.refresh())) return response;
      return fetch(withToken(original, session.get()?.accessToken ?? ""));
    },
  };
  client.use(auth);
  return client;
}

/** The call a session makes to trade its refresh token (outside the client, which would refresh again). */
export function refresher(baseUrl: string): (refreshToken: string) => Promise<TokenPair | null> {
  return async (refreshToken) => {
    const response = await fetch(`${baseUrl}/api/v1/auth/refresh`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: refreshToken }),
    });
    return response.ok ? ((await response.json()) as TokenPair) : null;
  };
}
