import { NavLink, Outlet, useNavigate } from "react-router";
import { useApp, useSession } from "../context";

export function Layout() {
  const { api, session } = useApp();
  const stored = useSession();
  const navigate = useNavigate();
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
        </nav>
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
