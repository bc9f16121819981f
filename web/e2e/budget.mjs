// The web app's time budgets (issue #17), measured in Debian's Chromium against a running local stack and
// printed, never asserted: from pressing "Sign in" to the first screen's rows, and the lead list and the
// pipeline board each showing 100 records. Run by infra/bench/web.sh; results go in docs/benchmarks.md.

import { chromium } from "playwright-core";

const base = process.env.CRM_WEB_URL ?? "http://127.0.0.1:3000";
const moto = process.env.AWS_ENDPOINT_URL_SESV2;
const PASSWORD = "correct horse battery staple";
const RECORDS = 100;
const RUNS = Number(process.env.RUNS ?? 5);

async function api(method, path, token, body, headers = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { "Content-Type": "application/json" } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function confirmationToken(email) {
  const marker = "/verify-email?token=";
  for (let attempt = 0; attempt < 100; attempt++) {
    const data = await (await fetch(`${moto}/moto-api/data.json`)).json();
    const mail = [...(data.ses?.Message ?? [])].reverse().find((m) => m.destinations?.ToAddresses?.includes(email) && m.body?.includes(marker));
    if (mail) return mail.body.split(marker)[1].split(/\s/)[0];
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no confirmation mail reached ${email}`);
}

/** An account with 100 leads and 100 deals. */
async function seed() {
  const email = `budget.${Date.now()}@example.com`;
  await api("POST", "/api/v1/auth/sign_up", null, { account_name: "Budget Ltd", name: "Bea Budget", email, password: PASSWORD });
  const confirmed = await api("POST", "/api/v1/auth/verify_email", null, { token: await confirmationToken(email) });
  const token = confirmed.body.access_token;
  const customer = await api("POST", "/api/v1/customers", token, { name: "Big Customer" });
  for (let i = 0; i < RECORDS; i += 10) {
    await Promise.all(
      Array.from({ length: 10 }, (_, j) => [
        api("POST", "/api/v1/leads", token, { name: `Lead ${i + j}`, company: `Company ${i + j}`, email: `lead${i + j}@example.com` }),
        api("POST", "/api/v1/deals", token, { name: `Deal ${i + j}`, customer_id: customer.body.id, amount: { amount_minor: 100_00 * (i + j + 1), currency: "EUR" } }),
      ]).flat(),
    );
  }
  return email;
}

const stats = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms, min ${sorted[0].toFixed(0)}, max ${sorted[sorted.length - 1].toFixed(0)} (${values.length} runs)`;
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const email = await seed();
const signIn = [];
const list = [];
const board = [];
for (let run = 0; run < RUNS; run++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/sign-in`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  let started = Date.now();
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("table.records tbody tr").nth(49).waitFor();
  signIn.push(Date.now() - started);

  started = Date.now();
  await page.getByRole("button", { name: "More leads" }).click();
  await page.locator("table.records tbody tr").nth(RECORDS - 1).waitFor();
  list.push(Date.now() - started);

  started = Date.now();
  await page.getByRole("link", { name: "Pipeline" }).click();
  await page.locator(".card").nth(RECORDS - 1).waitFor();
  board.push(Date.now() - started);
  await context.close();
}
await browser.close();
console.log(`sign-in to the first screen (50 leads shown): ${stats(signIn)}`);
console.log(`the lead list's second page (to 100 leads shown): ${stats(list)}`);
console.log(`the pipeline board with ${RECORDS} deals (first visit loads its chunk): ${stats(board)}`);
