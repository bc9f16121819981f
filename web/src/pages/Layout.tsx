import { useState, type FormEvent } from "react";
import { NavLink, Outlet, useNavigate, useSearchParams } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import { useApp, useSession } from "../context";
import { useChat } from "../chat/ChatProvider";
import { useUnreadNotifications } from "../notifications/inbox";

export function Layout() {
  const { api, session } = useApp();
  const stored = useSession();
  const { unreadTotal } = useChat();
  const unreadNotifications = useUnreadNotifications(stored !== null).data ?? 0;
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [query, setQuery] = useState(params.get("q") ?? "");
  const queries = useQueryClient();
  const search = (event: FormEvent) => {
    event.preventDefault();
    if (!query.trim()) return;
    // Asking again asks the server again: what was not indexed a moment ago may be now.
    void queries.invalidateQueries({ queryKey: ["search", query.trim()] });
    navigate(`/search?q=${encodeURIComponent(query.trim())}`);
  };
  const signOut = async () => {
    const refresh = session.get()?.refreshToken;
    if (refresh) await api.POST("/api/v1/auth/sign_out", { body: { refresh_token: refresh } }).catch(() => undefined);
    session.end();
    navigate("/sign-in");
  };
  return (
    <div className="shell">
      <header className="topbar">
        <a className="brand" href="/leads">
          CRM
        </a>
        <nav aria-label="Main">
          <NavLink to="/leads">Leads</NavLink>
          <NavLink to="/customers">Customers</NavLink>
          <NavLink to="/deals">Pipeline</NavLink>
          <NavLink to="/dashboard">Dashboard</NavLink>
          <NavLink to="/chat">
            Chat
            {unreadTotal > 0 && (
              <span className="badge" aria-label={`${unreadTotal} unread messages`}>
                {unreadTotal}
              </span>
            )}
          </NavLink>
          <NavLink to="/notifications">
            Notifications
            {unreadNotifications > 0 && (
              <span className="badge" aria-label={`${unreadNotifications} unread notifications`}>
                {unreadNotifications}
              </span>
            )}
          </NavLink>
          {stored?.user.role === "admin" && <NavLink to="/settings">Settings</NavLink>}
        </nav>
        <form role="search" onSubmit={search} className="search-box">
          <label htmlFor="search-box" className="sr-only">
            Search leads, customers, deals and notes
          </label>
          <input id="search-box" type="search" placeholder="Search…" value={query} onChange={(e) => setQuery(e.target.value)} />
        </form>
        <div className="account">
          <span aria-label="Signed in as">
            {stored?.user.name} · {stored?.user.role}
          </span>
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main>
        <Outlet />
      </main>
    </div>
  );
}
