/** Where the API and the WebSocket API are: `config.json`, written at deploy time beside the app. */
export interface Config {
  apiUrl: string;
  wsUrl: string;
}

export async function loadConfig(): Promise<Config> {
  const response = await fetch("/config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json: ${response.status}`);
  return (await response.json()) as Config;
}
