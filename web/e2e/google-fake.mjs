// A stand-in for Google's OAuth 2.0 consent and token endpoints and the People API's connections list, for
// the browser tests: consent is given at once (PKCE S256 checked), and the address book holds one contact.

import { createServer } from "node:http";
import { createHash, randomBytes } from "node:crypto";

const s256 = (verifier) => createHash("sha256").update(verifier).digest("base64url");

export function startGoogleFake(port, contact) {
  const consents = new Map();
  const issued = new Set();
  const server = createServer(async (request, response) => {
    const url = new URL(request.url, `http://127.0.0.1:${port}`);
    const reply = (status, body) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (request.method === "GET" && url.pathname === "/auth") {
      const get = (name) => url.searchParams.get(name) ?? "";
      if (get("client_id") !== "fake-client-id" || get("code_challenge_method") !== "S256") {
        return reply(400, { error: "invalid_request" });
      }
      const code = randomBytes(8).toString("hex");
      consents.set(code, { challenge: get("code_challenge"), redirectUri: get("redirect_uri") });
      const back = new URL(get("redirect_uri"));
      back.searchParams.set("state", get("state"));
      back.searchParams.set("code", code);
      response.writeHead(302, { location: back.toString() });
      return response.end();
    }
    if (request.method === "POST" && url.pathname === "/token") {
      let text = "";
      for await (const chunk of request) text += chunk;
      const form = new URLSearchParams(text);
      if (form.get("client_secret") !== "fake-client-secret") return reply(401, { error: "invalid_client" });
      if (form.get("grant_type") === "refresh_token") return reply(200, { access_token: `access-${form.get("refresh_token")}`, expires_in: 3599 });
      const consent = consents.get(form.get("code"));
      if (!consent || s256(form.get("code_verifier") ?? "") !== consent.challenge || form.get("redirect_uri") !== consent.redirectUri) {
        return reply(400, { error: "invalid_grant" });
      }
      consents.delete(form.get("code"));
      const token = randomBytes(8).toString("hex");
      issued.add(token);
      return reply(200, { access_token: `access-${token}`, refresh_token: token, expires_in: 3599 });
    }
    if (!request.headers.authorization?.startsWith("Bearer access-")) return reply(401, { error: { status: "UNAUTHENTICATED" } });
    if (request.method === "GET" && url.pathname === "/v1/people/me/connections") {
      const person = {
        resourceName: "people/c1",
        etag: "etag-1",
        names: [{ displayName: contact.name }],
        emailAddresses: [{ value: contact.email, metadata: { primary: true } }],
      };
      return reply(200, { connections: [person], totalItems: 1, nextSyncToken: "sync-1" });
    }
    return reply(404, { error: { status: "NOT_FOUND" } });
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}
