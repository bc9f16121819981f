import { useState } from "react";
import { Link } from "react-router";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useApp } from "../context";
import { summary } from "../api/problem";
import { when } from "../format";
import { useDirectory } from "../directory";
import { MoreButton, usePaged } from "../records/paged";
import { currentJob } from "../components/ExportButton";
import { KINDS, NOTIFICATIONS, notificationLink, readable, type Notification, type Preferences } from "../notifications/inbox";

/** The signed-in user's inbox: newest first, unread marked, each opening what it is about; and which kinds notify. */
export default function Notifications() {
  const { api } = useApp();
  const queries = useQueryClient();
  const names = useDirectory();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const list = usePaged<Notification>([NOTIFICATIONS, "list", unreadOnly], async (cursor) => {
    const query = { limit: 25, cursor, ...(unreadOnly ? { unread: true } : {}) };
    const { data, error } = await api.GET("/api/v1/notifications", { params: { query } });
    if (!data) throw error;
    return data;
  });
  const refresh = () => queries.invalidateQueries({ queryKey: [NOTIFICATIONS] });

  const markRead = async (notification: Notification) => {
    if (notification.read_at) return;
    const { error } = await api.POST("/api/v1/notifications/{id}/read", { params: { path: { id: notification.id } } });
    setProblem(error ? summary(error) : null);
    await refresh();
  };
  /** A finished export's file: the job hands out a fresh link each time it is asked. */
  const download = async (notification: Notification) => {
    if (!notification.job_id) return;
    await markRead(notification);
    try {
      const job = await currentJob(api, notification.job_id);
      if (job.download) window.location.assign(job.download.url);
      else setProblem("There is no file to download for this job.");
    } catch (error) {
      setProblem(summary(error));
    }
  };
  const markAll = async () => {
    const { error } = await api.POST("/api/v1/notifications/read_all");
    setProblem(error ? summary(error) : null);
    await refresh();
  };

  return (
    <section aria-labelledby="notifications-heading" className="panel wide">
      <div className="toolbar">
        <h1 id="notifications-heading">Notifications</h1>
        <label className="inline">
          <input type="checkbox" checked={unreadOnly} onChange={(e) => setUnreadOnly(e.target.checked)} /> Unread only
        </label>
        <button type="button" className="secondary" onClick={() => void markAll()}>
          Mark all read
        </button>
      </div>
      {problem !== null && <p role="alert" className="form-error">{problem}</p>}
      {list.isPending && <p role="status">Loading…</p>}
      {list.isSuccess && list.rows.length === 0 && <p className="muted">{unreadOnly ? "Nothing unread." : "No notifications yet."}</p>}
      <ul className="inbox" aria-label="Notifications">
        {list.rows.map((notification) => {
          const link = notificationLink(notification);
          const by = notification.actor_id ? names.data?.get(notification.actor_id) : undefined;
          const text = readable(notification.summary, names.data);
          return (
            <li key={notification.id} className={notification.read_at ? "read" : "unread"}>
              <div>
                {link ? (
                  <Link to={link} onClick={() => void markRead(notification)}>
                    {text}
                  </Link>
                ) : (
                  <span>{text}</span>
                )}
                <p className="muted">
                  {by && <>{by} · </>}
                  {when(notification.created_at)}
                </p>
              </div>
              {notification.job_id && notification.kind === "job_finished" && (
                <button type="button" onClick={() => void download(notification)}>
                  Download
                </button>
              )}
              {!notification.read_at && (
                <button type="button" className="secondary" onClick={() => void markRead(notification)}>
                  Mark read
                </button>
              )}
            </li>
          );
        })}
      </ul>
      <MoreButton list={list} label="Older notifications" />
      <PreferencesForm />
    </section>
  );
}

function PreferencesForm() {
  const { api } = useApp();
  const queries = useQueryClient();
  const [problem, setProblem] = useState<string | null>(null);
  // What the boxes show while a change is on its way: set in the click itself, so a box never flips back.
  const [changing, setChanging] = useState<Preferences | null>(null);
  // Not under the inbox's key: refreshing the inbox must not refetch a box just changed.
  const key = ["notification-preferences"];
  const preferences = useQuery({
    queryKey: key,
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/notifications/preferences");
      if (!data) throw error;
      return data;
    },
  });
  const shown = changing ?? preferences.data;
  const change = async (kind: keyof Preferences, on: boolean) => {
    if (!shown) return;
    setChanging({ ...shown, [kind]: on });
    const { data, error } = await api.PATCH("/api/v1/notifications/preferences", { body: { [kind]: on } });
    setProblem(error ? summary(error) : null);
    if (data) {
      queries.setQueryData(key, data);
      setChanging(data);
    } else {
      setChanging(null);
      await queries.invalidateQueries({ queryKey: key });
    }
  };
  return (
    <fieldset className="preferences">
      <legend>Notify me when</legend>
      {problem !== null && <p role="alert" className="form-error">{problem}</p>}
      {shown &&
        KINDS.map(({ kind, label }) => (
          <label key={kind} className="inline">
            <input type="checkbox" checked={shown[kind]} onChange={(e) => void change(kind, e.target.checked)} /> {label}
          </label>
        ))}
    </fieldset>
  );
}
