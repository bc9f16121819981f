import { useEffect, useRef, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useApp } from "../context";
import { summary } from "../api/problem";
import { when } from "../format";

/** The signed-in user's Google Contacts connection: connect, sync now, disconnect. */
export function GoogleContacts() {
  const { api } = useApp();
  const queries = useQueryClient();
  const google = useQuery({
    queryKey: ["google"],
    queryFn: async () => {
      const { data, error, response } = await api.GET("/api/v1/integrations/google");
      if (response.status === 404) return null;
      if (!data) throw error;
      return data;
    },
  });
  const [message, setMessage] = useState<string | null>(null);
  const connect = async () => {
    const { data, error } = await api.GET("/api/v1/integrations/google/authorize");
    if (!data) return setMessage(summary(error));
    window.location.assign(data.authorization_url);
  };
  const sync = async () => {
    const { data, error } = await api.POST("/api/v1/integrations/google/sync", { body: { import_as: "lead" } });
    setMessage(data ? "A sync is under way; the figures below update when it ends." : summary(error));
  };
  const disconnect = async () => {
    const { error, response } = await api.DELETE("/api/v1/integrations/google");
    setMessage(response.ok ? "Disconnected." : summary(error));
    await queries.invalidateQueries({ queryKey: ["google"] });
  };
  return (
    <section aria-labelledby="google-heading" className="panel wide">
      <h2 id="google-heading">Google Contacts</h2>
      {message && <p role="status">{message}</p>}
      {google.isError && <p role="alert">{summary(google.error)}</p>}
      {google.data === null && (
        <p>
          Not connected.{" "}
          <button type="button" onClick={connect}>
            Connect Google Contacts
          </button>
        </p>
      )}
      {google.data && (
        <>
          <p>
            Connected {when(google.data.connected_at)}; last sync {google.data.last_synced_at ? when(google.data.last_synced_at) : "never"}:{" "}
            {google.data.imported} imported, {google.data.pushed} sent to Google, {google.data.pulled} taken from Google.
            {google.data.last_error && <span className="field-error"> Last error: {google.data.last_error}</span>}
          </p>
          <p className="actions">
            <button type="button" onClick={sync}>
              Sync now
            </button>
            <button type="button" className="secondary" onClick={disconnect}>
              Disconnect Google
            </button>
          </p>
        </>
      )}
    </section>
  );
}

/** Where Google sends the user back after consent: hands the code to the API with the user's own token. */
export function GoogleCallback() {
  const { api } = useApp();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const [failed, setFailed] = useState<string | null>(null);
  const sent = useRef(false);
  const code = params.get("code");
  const state = params.get("state");
  const refused = params.get("error");
  const problem =
    failed ?? (code && state ? null : refused ? `Google said: ${refused}` : "Google sent no consent back.");
  useEffect(() => {
    // The state is one-time: React's development double effects must not spend it twice.
    if (sent.current || !code || !state) return;
    sent.current = true;
    void api.POST("/api/v1/integrations/google/callback", { body: { code, state } }).then(async ({ data, error }) => {
      if (!data) return setFailed(summary(error));
      await queries.invalidateQueries({ queryKey: ["google"] });
      navigate("/settings", { replace: true });
    });
  }, [api, code, state, navigate, queries]);
  return (
    <section>
      <h1>Connecting Google Contacts</h1>
      {problem ? (
        <>
          <p role="alert">{problem}</p>
          <Link to="/settings">Back to the settings</Link>
        </>
      ) : (
        <p role="status">One moment…</p>
      )}
    </section>
  );
}
