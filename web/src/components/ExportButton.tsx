import { useApp } from "../context";
import { ActionButton } from "./ActionButton";
import type { components } from "../api/schema";

type NewExport = components["schemas"]["NewExport"];
type Api = ReturnType<typeof useApp>["api"];
type Job = components["schemas"]["JobView"];

/** A job as it stands now: its download link is fresh each time it is asked for. */
export async function currentJob(api: Api, id: string): Promise<Job> {
  const { data, error } = await api.GET("/api/v1/jobs/{id}", { params: { path: { id } } });
  if (!data) throw error;
  return data;
}

const POLL_MS = 500;

/** Exports what the list shows as CSV: asks for the export, follows its job, then opens the file's link. */
export function ExportButton({ asked }: { asked: NewExport }) {
  const { api } = useApp();
  const exportList = async () => {
    const started = await api.POST("/api/v1/exports", { body: asked });
    if (!started.data) throw started.error;
    for (;;) {
      const data = await currentJob(api, started.data.id);
      if (data.status === "failed") throw new Error(data.error ?? "the export failed");
      if (data.status === "succeeded" && data.download) {
        window.location.assign(data.download.url);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };
  return <ActionButton label="Export CSV" working="Exporting…" action={exportList} />;
}
