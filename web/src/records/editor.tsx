import { useMemo, useState, type FormEvent } from "react";
import { useQuery } from "@tanstack/react-query";
import { summary } from "../api/problem";

/** A record as loaded for editing: it and the ETag to send back as `If-Match`. */
export interface Loaded<R> {
  record: R;
  etag: string;
}

/** One record and its ETag, cached under `[kind, id]` for its page and its form alike. */
export function useLoaded<R extends { version: number }>(
  kind: string,
  id: string | undefined,
  read: (id: string) => Promise<{ data?: R; error?: unknown; response: Response }>,
) {
  return useQuery({
    queryKey: [kind, id],
    enabled: id !== undefined,
    queryFn: async (): Promise<Loaded<R>> => {
      const { data, error, response } = await read(id!);
      if (!data) throw error;
      return { record: data, etag: response.headers.get("ETag") ?? `"${data.version}"` };
    },
  });
}

interface Outcome {
  data?: unknown;
  error?: unknown;
}

interface Options<R, V> {
  loaded?: Loaded<R>;
  empty: V;
  valuesOf: (record: R) => V;
  /** Creates the record; the key makes a retried create answer the first one's result. */
  create: (values: V, idempotencyKey: string) => Promise<Outcome>;
  /** Saves what changed between `before` and `after`, if the record is still at `etag`. */
  update: (before: V, after: V, etag: string | undefined) => Promise<Outcome>;
  refetch?: () => Promise<Loaded<R> | undefined>;
  onSaved: () => void | Promise<void>;
}

/**
 * The save cycle of a record form: create with an `Idempotency-Key`, change with `If-Match`; a problem stays
 * beside what was typed; on a 412 the user reloads the other version or saves over it (sending only the
 * fields they changed, so the other person's changes to other fields stay).
 */
export function useRecordEditor<R, V>(options: Options<R, V>) {
  const { loaded, empty, valuesOf, create, update, refetch, onSaved } = options;
  const idempotencyKey = useMemo(() => crypto.randomUUID(), []);
  const [initial, setInitial] = useState<V>(loaded ? valuesOf(loaded.record) : empty);
  const [values, setValues] = useState<V>(initial);
  const [etag, setEtag] = useState(loaded?.etag);
  const [problem, setProblem] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const save = async (ifMatch = etag) => {
    setBusy(true);
    setProblem(null);
    const result = loaded ? await update(initial, values, ifMatch) : await create(values, idempotencyKey);
    setBusy(false);
    if (!result.data) return setProblem(result.error ?? null);
    await onSaved();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save();
  };
  const overwrite = async () => {
    const fresh = await refetch?.();
    if (fresh) {
      setEtag(fresh.etag);
      await save(fresh.etag);
    }
  };
  const reload = async () => {
    const fresh = await refetch?.();
    if (fresh) {
      setInitial(valuesOf(fresh.record));
      setValues(valuesOf(fresh.record));
      setEtag(fresh.etag);
      setProblem(null);
    }
  };
  const stale = (problem as { status?: number } | null)?.status === 412;
  return { values, setValues, problem, busy, submit, overwrite, reload, stale };
}

/** What went wrong above the form; after a 412, the two ways on. */
export function FormProblem({ problem, stale, reload, overwrite }: { problem: unknown; stale: boolean; reload: () => void; overwrite: () => void }) {
  if (problem === null) return null;
  return (
    <div role="alert" className="form-error">
      <p>{summary(problem)}</p>
      {stale && (
        <p className="actions">
          <button type="button" onClick={reload}>
            Reload their version
          </button>
          <button type="button" onClick={overwrite}>
            Overwrite with mine
          </button>
        </p>
      )}
    </div>
  );
}
