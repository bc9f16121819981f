import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { BrowserRouter } from "react-router";
import { apiClient, refresher } from "./api/client";
import { Session } from "./auth/session";
import { loadConfig } from "./config";
import { Context } from "./context";
import { App } from "./App";
import { ErrorBoundary } from "./components/ErrorBoundary";
import "./styles.css";

const root = createRoot(document.getElementById("root")!);

loadConfig()
  .then((config) => {
    const session = new Session(window.localStorage, refresher(config.apiUrl));
    const api = apiClient(config.apiUrl, session);
    const queries = new QueryClient({ defaultOptions: { queries: { retry: 1, staleTime: 10_000 } } });
    session.subscribe(() => {
      if (!session.get()) queries.clear();
    });
    root.render(
      <StrictMode>
        <Context.Provider value={{ api, session, config }}>
          <QueryClientProvider client={queries}>
            <BrowserRouter>
              <ErrorBoundary>
                <App />
              </ErrorBoundary>
            </BrowserRouter>
          </QueryClientProvider>
        </Context.Provider>
      </StrictMode>,
    );
  })
  .catch((error: unknown) => {
    root.render(
      <main className="centered">
        <h1>The CRM cannot start</h1>
        <p role="alert">Its configuration could not be read ({String(error)}). Reload the page in a moment.</p>
      </main>,
    );
  });
