import { useEffect, useRef, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useApp } from "../context";
import { summary } from "../api/problem";

/** The page a sign-up's mail links to: confirms the address once, then signs the new Admin in. */
export function VerifyEmail() {
  const { api, session } = useApp();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [problem, setProblem] = useState<unknown>(null);
  const sent = useRef(false);
  useEffect(() => {
    const token = params.get("token");
    // The token is one-time: React's development double effects must not spend it twice.
    if (!token || sent.current) return;
    sent.current = true;
    api.POST("/api/v1/auth/verify_email", { body: { token } }).then(({ data, error }) => {
      if (!data) return setProblem(error);
      session.start(data, data.user);
      navigate("/leads", { replace: true });
    });
  }, [api, session, params, navigate]);
  return (
    <main className="centered">
      <h1>Confirming your address</h1>
      {problem === null ? (
        <p role="status">One moment…</p>
      ) : (
        <>
          <p role="alert">{summary(problem)}</p>
          <p>
            <Link to="/sign-in">Sign in</Link> or <Link to="/sign-up">start again</Link>.
          </p>
        </>
      )}
    </main>
  );
}
