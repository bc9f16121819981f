import { createContext, useContext, useSyncExternalStore } from "react";
import type { Api } from "./api/client";
import type { Session, Stored } from "./auth/session";
import type { Config } from "./config";

export interface AppContext {
  api: Api;
  session: Session;
  config: Config;
}

export const Context = createContext<AppContext | null>(null);

export function useApp(): AppContext {
  const app = useContext(Context);
  if (!app) throw new Error("useApp outside the app");
  return app;
}

/** The signed-in user's session, re-rendering when it changes (a refresh, a sign-out). */
export function useSession(): Stored | null {
  const { session } = useApp();
  return useSyncExternalStore(
    (listener) => session.subscribe(listener),
    () => session.get(),
  );
}
