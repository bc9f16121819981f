// End-to-end tests of the web app in a real browser (Debian's Chromium, driven by playwright-core) against
// a local stack that serves the built app: `CRM_WEB_URL` (the gateway), `AWS_ENDPOINT_URL_SESV2` (moto,
// where account mails land), `SCREENSHOTS_DIR` (where each main screen is saved). Run by infra/test.sh.

import { chromium } from "playwright-core";
import { startGoogleFake } from "./google-fake.mjs";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const base = process.env.CRM_WEB_URL ?? "http://127.0.0.1:3000";
const moto = process.env.AWS_ENDPOINT_URL_SESV2;
const screenshots = process.env.SCREENSHOTS_DIR ?? "screenshots";
const PASSWORD = "correct horse battery staple";
const TIMEOUT = 15_000;
mkdirSync(screenshots, { recursive: true });

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

async function api(method, path, token, body, headers = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body ? { "Content-Type": "application/json" } : {}),
      ...headers,
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

/** The sign-up confirmation link's token mailed to `email`, from the local SES. */
async function confirmationToken(email) {
  const marker = "/verify-email?token=";
  for (let attempt = 0; attempt < 100; attempt++) {
    const data = await (await fetch(`${moto}/moto-api/data.json`)).json();
    for (const mail of [...(data.ses?.Message ?? [])].reverse()) {
      if (mail.destinations?.ToAddresses?.includes(email) && mail.body?.includes(marker)) {
        return mail.body.split(marker)[1].split(/\s/)[0];
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no confirmation mail reached ${email}`);
}

async function shot(page, name) {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

const unique = (tag) => `${tag}.${Date.now()}.${Math.floor(Math.random() * 1e6)}@example.com`;

/** Sign up in the app, confirm the address from the mail, land on the leads. */
async function signUp(page, email) {
  await page.goto(`${base}/sign-up`);
  await page.getByLabel("Company").fill("Analytical Engines Ltd");
  await page.getByLabel("Your name").fill("Ada Admin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await shot(page, "sign-up");
  await page.getByRole("button", { name: "Open the account" }).click();
  await page.getByRole("heading", { name: "Check your mail" }).waitFor();
  await page.goto(`${base}/verify-email?token=${await confirmationToken(email)}`);
  await page.waitForURL(`${base}/leads`);
  await page.getByRole("heading", { name: "Leads" }).waitFor();
}

const accessToken = (page) =>
  page.evaluate(() => JSON.parse(window.localStorage.getItem("crm.session") ?? "null")?.accessToken);

async function leadsAndConflicts(browser) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const email = unique("web-admin");
  await signUp(page, email);

  // A bad field is named next to its input, and what was typed stays.
  await page.getByRole("link", { name: "New lead" }).click();
  await page.getByLabel("Name").fill("Ada Lovelace");
  await page.getByLabel("Company").fill("Analytical Engines");
  await page.getByLabel("Email").fill("not an address");
  await page.getByRole("button", { name: "Save" }).click();
  const emailError = page.locator(".field-error");
  await emailError.first().waitFor();
  check((await emailError.count()) === 1, "one field error, on the email");
  check((await page.getByLabel("Name").inputValue()) === "Ada Lovelace", "the typed name is kept");
  await shot(page, "lead-form-problem");
  await page.getByLabel("Email").fill("ada@engines.example");
  await page.getByLabel("Tags (comma-separated)").fill("vip, emea");
  await page.getByRole("button", { name: "Save" }).click();
  await page.waitForURL(`${base}/leads`);
  await page.getByRole("link", { name: "Ada Lovelace" }).waitFor();
  await shot(page, "leads");

  // The list as CSV: the export runs as a job, then the browser downloads the file its link names.
  const downloaded = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export CSV" }).click();
  const csv = readFileSync(await (await downloaded).path(), "utf8");
  check(csv.startsWith("id,name,email,"), `the export starts with its header (${csv.slice(0, 40)})`);
  check(csv.includes("Ada Lovelace") && csv.includes("ada@engines.example"), "the export holds the lead");

  // A spreadsheet in: the file goes straight into the bucket through its upload link, the import is followed
  // to its end, the list shows the new lead and the refused row can be downloaded with why.
  const spreadsheet = join(tmpdir(), `leads-${process.pid}.csv`);
  writeFileSync(spreadsheet, "name,email,status\nLinus Import,linus@import.example,new\nBad Row,not-an-address,new\n");
  await page.getByLabel("CSV file to import").setInputFiles(spreadsheet);
  await page.getByText("Imported: 1 created, 0 updated, 0 unchanged; 1 row was refused.").waitFor();
  await page.getByRole("link", { name: "Linus Import" }).waitFor();
  const refusedLink = await page.getByRole("link", { name: "Download the refused rows" }).getAttribute("href");
  const refused = await (await fetch(refusedLink)).text();
  check(refused.includes("email: must be an email address"), `the refused row says why (${refused.slice(0, 120)})`);
  await shot(page, "leads-imported");

  // A namesake made elsewhere shows on the lead's page as possibly the same (once the search has it).
  const adminToken = await accessToken(page);
  const listed = await api("GET", "/api/v1/leads?limit=100", adminToken);
  const linus = listed.body.items.find((lead) => lead.name === "Linus Import");
  await api("POST", "/api/v1/leads", adminToken, { name: "Linus Import", email: "linus@elsewhere.example" });
  for (let attempt = 0; ; attempt++) {
    const found = await api("GET", `/api/v1/leads/${linus.id}/duplicates`, adminToken);
    if (found.body.items.length > 0) break;
    check(attempt < 60, "the namesake is found as a likely duplicate");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await page.goto(`${base}/leads/${linus.id}`);
  await page.getByRole("heading", { name: "Possibly the same" }).waitFor();
  await shot(page, "lead-duplicates");
  // Merging the namesake into this lead: it is gone, and its page leads here.
  const namesake = (await api("GET", `/api/v1/leads/${linus.id}/duplicates`, adminToken)).body.items[0].record;
  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByRole("button", { name: "Merge into this" }).click();
  await page.getByRole("heading", { name: "Possibly the same" }).waitFor({ state: "detached" });
  const merged = await api("GET", `/api/v1/leads/${linus.id}`, adminToken);
  check(merged.body.email === linus.email && merged.body.version === linus.version + 1, "the lead kept its fields and took the merge");
  const gone = await api("GET", `/api/v1/leads/${namesake.id}`, adminToken);
  check(gone.status === 404 && gone.body.merged_into === linus.id, `the namesake points at the lead it was merged into (${gone.status})`);
  await page.goto(`${base}/leads/${namesake.id}`);
  await page.getByRole("link", { name: "Open the one it was merged into" }).click();
  await page.getByRole("heading", { name: "Linus Import" }).waitFor();
  await page.goto(`${base}/leads`);

  // Someone else saves first: the app says so, and "overwrite" keeps what this user typed.
  await page.getByRole("link", { name: "Ada Lovelace" }).click();
  await page.getByRole("heading", { name: "Ada Lovelace" }).waitFor();
  const id = page.url().split("/").pop();
  // The lead's summary as a PDF: made by its function, downloaded through its link.
  const printed = page.waitForEvent("download");
  await page.getByRole("button", { name: "PDF" }).click();
  const pdf = readFileSync(await (await printed).path());
  check(pdf.subarray(0, 5).toString() === "%PDF-", "the summary is a PDF");
  await page.getByRole("link", { name: "Edit" }).click();
  await page.getByLabel("Company").waitFor();
  const token = await accessToken(page);
  const current = await api("GET", `/api/v1/leads/${id}`, token);
  const theirs = await api("PATCH", `/api/v1/leads/${id}`, token, { phone: "+44 20 7946 0000" }, {
    "If-Match": current.headers.get("etag"),
  });
  check(theirs.status === 200, `the other change is saved (${theirs.status})`);
  await page.getByLabel("Company").fill("Difference Engines");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Someone else changed this record").waitFor();
  check((await page.getByLabel("Company").inputValue()) === "Difference Engines", "the typed company is kept");
  await shot(page, "lead-conflict");
  await page.getByRole("button", { name: "Overwrite with mine" }).click();
  await page.waitForURL(`${base}/leads/${id}`);
  const saved = await api("GET", `/api/v1/leads/${id}`, token);
  check(saved.body.company === "Difference Engines", `the overwrite is saved (${saved.body.company})`);
  check(saved.body.phone === "+44 20 7946 0000", `the other person's change to another field is kept (${saved.body.phone})`);

  await theSalesDay(page, id);

  // The Admin's settings: a Sales user added, an inbound webhook whose secret is shown once.
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByRole("heading", { name: "Users" }).waitFor();
  // A new account is on Free; this stack sells no plans, which the Admin is told rather than sent nowhere.
  await page.getByRole("heading", { name: "Plan: free" }).waitFor();
  await page.getByRole("button", { name: "Upgrade to team" }).click();
  await page.getByRole("alert").filter({ hasText: "billing is not configured" }).waitFor();
  const sales = unique("web-sales");
  await page.getByLabel("Name", { exact: true }).fill("Sam Sales");
  await page.getByLabel("Email", { exact: true }).fill(sales);
  await page.getByLabel("First password").fill(PASSWORD);
  await page.getByRole("button", { name: "Add user" }).click();
  await page.getByRole("cell", { name: sales }).waitFor();
  await page.getByLabel("Endpoint name").fill("Website form");
  await page.getByRole("button", { name: "Create endpoint" }).click();
  const secret = await page.locator('[data-shown-once="secret"]').textContent();
  check(secret && secret.length > 20, "the endpoint's secret is shown");
  await page.getByRole("button", { name: "Copy the secret" }).click();
  await shot(page, "settings");
  const delivered = await api("POST", "/api/v1/webhooks/leads", null, { name: "Grace Hopper", email: "grace@navy.example" }, {
    Authorization: `Bearer ${secret}`,
  });
  check(delivered.status === 201, `a lead delivered with the secret (${delivered.status})`);
  // An API key for a program: shown once, works as a bearer token, revoked from here.
  await page.getByLabel("Key name").fill("Nightly export");
  await page.getByRole("button", { name: "Create key" }).click();
  const apiKey = await page.locator('[data-shown-once="api-key"]').textContent();
  check((await api("GET", "/api/v1/leads", apiKey)).status === 200, "the key works");
  await page.getByRole("button", { name: "Revoke Nightly export" }).click();
  await page.getByText("Nightly export (sales) — revoked").waitFor();
  check((await api("GET", "/api/v1/leads", apiKey)).status === 401, "the revoked key is refused");
  // An outgoing webhook: a private address is refused at its field; a public name gets a signing secret, once.
  await page.getByLabel("Endpoint URL (https)").fill("https://169.254.169.254/latest/meta-data/");
  await page.getByRole("button", { name: "Add endpoint" }).click();
  await page.getByText(/public domain name/).first().waitFor();
  await page.getByLabel("Endpoint URL (https)").fill("https://hooks.example.com/crm");
  await page.getByRole("group", { name: "Events to deliver" }).getByLabel("deal.won").check();
  await page.getByRole("button", { name: "Add endpoint" }).click();
  const signing = await page.locator('[data-shown-once="signing-secret"]').textContent();
  check(signing?.startsWith("whsec_"), "the signing secret is shown");
  await page.getByRole("button", { name: "Deliveries" }).click();
  await page.getByText("No deliveries yet.").waitFor();
  await page.getByRole("button", { name: "Disable" }).click();
  await page.getByText("(disabled by an admin)").waitFor();
  await shot(page, "outgoing-webhooks");
  await page.reload();
  await page.getByRole("heading", { name: "Users" }).waitFor();
  check((await page.locator('[data-shown-once="secret"]').count()) === 0, "the secret is not shown again");

  // Google Contacts: consent at (fake) Google, back through the app's callback page, then a sync imports.
  if (process.env.GOOGLE_FAKE_PORT) {
    await page.getByRole("button", { name: "Connect Google Contacts" }).click();
    await page.waitForURL(`${base}/settings`);
    await page.getByRole("button", { name: "Sync now" }).click();
    await page.getByText("A sync is under way").waitFor();
    await eventually("the Google contact is imported as a lead", async () => {
      const leads = await api("GET", "/api/v1/leads?limit=100", token);
      check(leads.body.items.some((lead) => lead.name === "Katherine Johnson"), "imported");
    });
    await page.reload();
    await page.getByText("1 imported").waitFor();
  }

  // A Sales user sees only its own leads, and no settings.
  const salesContext = await browser.newContext();
  const salesPage = await salesContext.newPage();
  salesPage.setDefaultTimeout(TIMEOUT);
  await salesPage.goto(`${base}/leads`);
  await salesPage.waitForURL(`${base}/sign-in`);
  await salesPage.getByLabel("Email").fill(sales);
  await salesPage.getByLabel("Password").fill(PASSWORD);
  await salesPage.getByRole("button", { name: "Sign in" }).click();
  await salesPage.waitForURL(`${base}/leads`);
  await salesPage.getByText("No leads yet").waitFor();
  check((await salesPage.getByRole("link", { name: "Settings" }).count()) === 0, "Sales sees no settings");
  check((await salesPage.getByRole("link", { name: "Ada Lovelace" }).count()) === 0, "Sales does not see the Admin's lead");

  // The Admin deactivates Sam: Sam's next step in the app lands on the sign-in page.
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByRole("button", { name: "Deactivate Sam Sales" }).click();
  await page.getByRole("button", { name: "Reactivate Sam Sales" }).waitFor();
  await salesPage.getByRole("link", { name: "Customers" }).click();
  await salesPage.waitForURL(`${base}/sign-in`);
  await salesContext.close();

  // Signing out ends the session; signing in again comes back to the leads.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(`${base}/sign-in`);
  await page.goto(`${base}/leads`);
  await page.waitForURL(`${base}/sign-in`);
  await shot(page, "sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("link", { name: "Ada Lovelace" }).waitFor();
  await context.close();
}

/** Retries `attempt` (which may reload) until it stops throwing, for what a worker updates a moment later. */
async function eventually(what, attempt, seconds = 30) {
  const started = Date.now();
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    try {
      const result = await attempt();
      if (Date.now() - started > 5000) console.log(`web e2e: ${what}: after ${Date.now() - started} ms`);
      return result;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`never: ${what}: ${error.message}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** The lead is qualified, found by search despite a typo, converted with a deal, won on the board, counted. */
async function theSalesDay(page, id) {
  await page.getByRole("link", { name: "Edit" }).click();
  await page.getByLabel("Status").selectOption("qualified");
  await page.getByRole("button", { name: "Save" }).click();
  await page.waitForURL(`${base}/leads/${id}`);
  await page.getByRole("heading", { name: "Convert into a customer" }).waitFor();

  await eventually("the lead is found by a misspelled search", async () => {
    await page.getByRole("searchbox").fill("ada lovlace");
    await page.getByRole("searchbox").press("Enter");
    await page.getByRole("heading", { name: /^Search/ }).waitFor();
    await page.locator("ul.hits").getByRole("link", { name: "Ada Lovelace" }).waitFor({ timeout: 1500 });
  });
  await shot(page, "search");
  await page.locator("ul.hits").getByRole("link", { name: "Ada Lovelace" }).click();

  await page.getByLabel("Deal name").fill("Engines deal");
  await page.getByLabel("Amount (EUR)").fill("1200");
  await page.getByRole("button", { name: "Convert" }).click();
  await page.waitForURL(`${base}/deals`);
  const column = (stage) => page.locator(`section[data-stage="${stage}"]`);
  const card = page.getByRole("article", { name: "Engines deal" });
  await column("prospecting").getByRole("article", { name: "Engines deal" }).waitFor();
  // A deal is won only from negotiation: the refused move snaps back, with the API's reason.
  await card.dragTo(column("won"));
  await page.getByText(/Engines deal stays in prospecting/).waitFor();
  await column("prospecting").getByRole("article", { name: "Engines deal" }).waitFor();
  await shot(page, "pipeline-refused");
  const token = await accessToken(page);
  const stageInApi = async (stage) => {
    const deals = await api("GET", "/api/v1/deals", token);
    check(deals.body.items.some((d) => d.name === "Engines deal" && d.stage === stage), `${stage} in the API`);
  };
  await card.dragTo(column("negotiation"));
  await eventually("the deal is in negotiation", () => stageInApi("negotiation"));
  await card.dragTo(column("won"));
  await eventually("the deal is won", () => stageInApi("won"));
  await column("won").getByRole("article", { name: "Engines deal" }).waitFor();
  await shot(page, "pipeline");
  await column("won").getByRole("link", { name: "Engines deal" }).click();
  await page.waitForURL(/\/deals\/[0-9A-Z]{26}$/);
  await page.locator(".details").getByText("€1,200.00").waitFor();
  await page.locator(".timeline").getByText("stage changed").first().waitFor();
  await page.goBack();

  await page.getByRole("link", { name: "Dashboard" }).click();
  await eventually("the dashboard counts the won deal", async () => {
    await page.reload();
    const won = page.locator("figure", { hasText: "Deals by stage" }).locator(".bar-row", { hasText: "won" });
    await won.waitFor({ timeout: 1500 });
    check((await won.textContent()).includes("1"), "one won deal");
  });
  await shot(page, "dashboard");

  // The customer the conversion made, with a note on its page.
  await page.getByRole("link", { name: "Customers" }).click();
  await page.getByRole("link", { name: "Ada Lovelace" }).click();
  await page.getByRole("heading", { name: "Ada Lovelace" }).waitFor();
  await page.getByLabel("Add a note").fill("Signed the contract");
  await page.getByRole("button", { name: "Add note" }).click();
  await page.locator(".notes").getByText("Signed the contract").waitFor();
  await page.locator(".timeline").getByText("note added").waitFor();
  await shot(page, "customer");
}

/** A new account made through the API (sign-up, the mailed token, confirmation): its Admin's email and token. */
async function apiAccount() {
  const email = unique("chat-admin");
  const body = { account_name: "Chatty Ltd", name: "Ada Admin", email, password: PASSWORD };
  check((await api("POST", "/api/v1/auth/sign_up", null, body)).status === 202, "sign-up accepted");
  const confirmed = await api("POST", "/api/v1/auth/verify_email", null, { token: await confirmationToken(email) });
  check(confirmed.status === 201, `confirmed (${confirmed.status})`);
  return { email, token: confirmed.body.access_token, id: confirmed.body.user.id };
}

async function signIn(page, email) {
  await page.goto(`${base}/sign-in`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${base}/leads`);
}

/** Two people chat live: unread badge, typing, presence, and a dropped connection that misses nothing. */
async function chatBetweenTwoBrowsers(browser) {
  const admin = await apiAccount();
  const salesEmail = unique("chat-sales");
  const sales = await api("POST", "/api/v1/users", admin.token, { email: salesEmail, name: "Sam Sales", role: "sales", password: PASSWORD });
  check(sales.status === 201, `the Sales user is created (${sales.status})`);
  const channel = await api("POST", "/api/v1/channels", admin.token, { kind: "team", name: "deals", members: [sales.body.id] });
  check(channel.status === 201, `the channel is created (${channel.status})`);
  const contexts = [await browser.newContext(), await browser.newContext()];
  const [adminPage, salesPage] = await Promise.all(contexts.map((c) => c.newPage()));
  for (const page of [adminPage, salesPage]) page.setDefaultTimeout(TIMEOUT);
  // The admin's WebSocket goes through a relay the test can cut, as a network drop would.
  const relayed = [];
  let cut = false;
  await adminPage.routeWebSocket(/./, (socket) => {
    if (cut) return socket.close({ code: 4000, reason: "network down" });
    socket.connectToServer();
    relayed.push(socket);
  });
  await signIn(adminPage, admin.email);
  await signIn(salesPage, salesEmail);
  await adminPage.goto(`${base}/chat/${channel.body.id}`);
  await adminPage.getByText("Connected").waitFor();

  // A message while Sales is elsewhere: the unread badge shows, and opening the channel clears it.
  await adminPage.getByLabel("Message", { exact: true }).fill("Hello team");
  await adminPage.getByLabel("Message", { exact: true }).press("Enter");
  await adminPage.locator(".messages").getByText("Hello team").waitFor();
  await salesPage.getByLabel("1 unread messages").waitFor();
  await shot(salesPage, "chat-unread");
  await salesPage.getByRole("link", { name: /Chat/ }).click();
  await salesPage.getByRole("link", { name: /# deals/ }).click();
  await salesPage.locator(".messages").getByText("Hello team").waitFor();
  await salesPage.getByLabel("1 unread messages").waitFor({ state: "detached" });
  // Sales sees who wrote it (the directory is open to every role).
  await salesPage.locator(".messages li", { hasText: "Hello team" }).getByText("Ada Admin").waitFor();

  // Typing and presence reach the other side.
  await salesPage.getByLabel("Message", { exact: true }).fill("Hi");
  await adminPage.getByText("Sam Sales is typing…").waitFor();
  await salesPage.getByLabel("Message", { exact: true }).press("Enter");
  const reply = adminPage.locator(".messages li", { hasText: "Hi" });
  await reply.waitFor();
  await reply.getByLabel("online").waitFor();
  await shot(adminPage, "chat");

  // The admin's connection drops; what is said meanwhile arrives after the reconnect, once.
  cut = true;
  await Promise.all(relayed.map((socket) => socket.close({ code: 4000, reason: "network down" })));
  await adminPage.getByText("Connecting…").waitFor();
  await salesPage.getByLabel("Message", { exact: true }).fill("While you were away");
  await salesPage.getByLabel("Message", { exact: true }).press("Enter");
  await salesPage.locator(".messages").getByText("While you were away").waitFor();
  cut = false;
  await adminPage.getByText("Connected").waitFor({ timeout: 40_000 });
  await adminPage.locator(".messages").getByText("While you were away").waitFor();
  check((await adminPage.locator(".messages").getByText("While you were away").count()) === 1, "the missed message shows once");

  // A direct conversation: Sales writes to the Admin alone.
  await salesPage.getByLabel("Message a colleague").selectOption({ label: "Ada Admin" });
  await salesPage.getByRole("heading", { name: "@ Ada Admin" }).waitFor();
  await salesPage.getByLabel("Message", { exact: true }).fill("Just between us");
  await salesPage.getByLabel("Message", { exact: true }).press("Enter");
  await adminPage.getByRole("link", { name: /@ Sam Sales/ }).click();
  await adminPage.locator(".messages").getByText("Just between us").waitFor();

  // A mention lands in Sales's inbox, pushed live: the badge shows, and marking it read clears it.
  const mention = await api("POST", "/api/v1/messages", admin.token, { channel_id: channel.body.id, body: `@${sales.body.id} can you call Acme?` });
  check(mention.status === 201, `the mention is sent (${mention.status})`);
  await salesPage.getByLabel("1 unread notifications").waitFor();
  await salesPage.getByRole("link", { name: /Notifications/ }).click();
  const entry = salesPage.locator(".inbox li", { hasText: "@Sam Sales can you call Acme?" });
  await entry.getByText("Ada Admin").waitFor();
  await shot(salesPage, "notifications");
  await entry.getByRole("button", { name: "Mark read" }).click();
  await salesPage.getByLabel("1 unread notifications").waitFor({ state: "detached" });
  // Preferences stick: mentions switched off stay off after a reload.
  await salesPage.getByLabel("Someone mentions me in chat").uncheck();
  const salesToken = await tokenOf(salesEmail);
  await eventually("the preference is saved", async () => {
    const saved = await api("GET", "/api/v1/notifications/preferences", salesToken);
    check(saved.body.mention === false, "mentions are switched off");
  });
  await salesPage.reload();
  check(!(await salesPage.getByLabel("Someone mentions me in chat").isChecked()), "mentions stay switched off");
  for (const context of contexts) await context.close();
}

/** A fresh access token for a user of the test's accounts. */
async function tokenOf(email) {
  const signedIn = await api("POST", "/api/v1/auth/sign_in", null, { email, password: PASSWORD });
  check(signedIn.status === 200, `signed in (${signedIn.status})`);
  return signedIn.body.access_token;
}

async function aPhoneSizedScreen(browser) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  await page.goto(`${base}/sign-in`);
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  check(!overflow, "the sign-in page fits a phone's width");
  await context.close();
}

if (process.env.GOOGLE_FAKE_PORT) {
  await startGoogleFake(Number(process.env.GOOGLE_FAKE_PORT), { name: "Katherine Johnson", email: "katherine@nasa.example" });
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
// Every page's uncaught errors are printed and fail the run: the app must never die quietly.
const pageErrors = [];
const watch = (context) =>
  context.on("page", (page) => page.on("pageerror", (error) => pageErrors.push(`${page.url()}: ${error.message}`)));
const newContext = browser.newContext.bind(browser);
browser.newContext = async (...args) => {
  const context = await newContext(...args);
  watch(context);
  return context;
};
const tests = { leadsAndConflicts, chatBetweenTwoBrowsers, aPhoneSizedScreen };
let failed = 0;
for (const [name, test] of Object.entries(tests)) {
  const started = Date.now();
  try {
    await test(browser);
    console.log(`web e2e: ${name} ok (${Date.now() - started} ms)`);
  } catch (error) {
    failed++;
    console.error(`web e2e: ${name} FAILED: ${error.stack ?? error}`);
    await Promise.all(browser.contexts().flatMap((c) => c.pages()).map((p, i) => shot(p, `failure-${name}-${i}`).catch(() => undefined)));
  }
}
await browser.close();
for (const error of pageErrors) console.error(`web e2e: an uncaught error in the page: ${error}`);
if (pageErrors.length) failed++;
console.log(`web e2e: screenshots in ${screenshots}`);
process.exit(failed ? 1 : 0);
