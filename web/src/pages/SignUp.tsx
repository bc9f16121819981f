import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { useApp } from "../context";
import { Field } from "../components/Field";
import { fieldErrors, summary } from "../api/problem";

export function SignUp() {
  const { api } = useApp();
  const [form, setForm] = useState({ account_name: "", name: "", email: "", password: "" });
  const [problem, setProblem] = useState<unknown>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (key: keyof typeof form) => (event: { target: { value: string } }) =>
    setForm({ ...form, [key]: event.target.value });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const { data, error } = await api.POST("/api/v1/auth/sign_up", { body: form });
    setBusy(false);
    if (!data) return setProblem(error);
    setSentTo(data.email);
  };
  if (sentTo) {
    return (
      <main className="centered">
        <h1>Check your mail</h1>
        <p role="status">
          We sent a link to <strong>{sentTo}</strong>. Open it to confirm the address and start using your account.
        </p>
      </main>
    );
  }
  const errors = fieldErrors(problem);
  return (
    <main className="centered">
      <h1>Open an account</h1>
      <form onSubmit={submit} noValidate>
        {problem !== null && <p role="alert" className="form-error">{summary(problem)}</p>}
        <Field label="Company" value={form.account_name} onChange={set("account_name")} error={errors.account_name} required />
        <Field label="Your name" autoComplete="name" value={form.name} onChange={set("name")} error={errors.name} required />
        <Field label="Email" type="email" autoComplete="email" value={form.email} onChange={set("email")} error={errors.email} required />
        <Field label="Password" type="password" autoComplete="new-password" value={form.password} onChange={set("password")} error={errors.password} required />
        <button type="submit" disabled={busy}>
          {busy ? "Sending…" : "Open the account"}
        </button>
      </form>
      <p>
        Have an account? <Link to="/sign-in">Sign in</Link>
      </p>
    </main>
  );
}
