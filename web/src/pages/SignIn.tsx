import { useState, type FormEvent } from "react";
import { Link, useLocation, useNavigate } from "react-router";
import { useApp } from "../context";
import { Field } from "../components/Field";
import { fieldErrors, summary } from "../api/problem";

export function SignIn() {
  const { api, session } = useApp();
  const navigate = useNavigate();
  const location = useLocation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [problem, setProblem] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const { data, error } = await api.POST("/api/v1/auth/sign_in", { body: { email, password } });
    setBusy(false);
    if (!data) return setProblem(error);
    session.start(data, data.user);
    const from = (location.state as { from?: string } | null)?.from;
    navigate(from ?? "/leads", { replace: true });
  };
  const errors = fieldErrors(problem);
  return (
    <main className="centered">
      <h1>Sign in</h1>
      <form onSubmit={submit} noValidate>
        {problem !== null && <p role="alert" className="form-error">{summary(problem)}</p>}
        <Field label="Email" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} error={errors.email} required />
        <Field label="Password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} error={errors.password} required />
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p>
        New here? <Link to="/sign-up">Open an account</Link>
      </p>
    </main>
  );
}
