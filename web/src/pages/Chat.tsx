import { useEffect, useState, type FormEvent, type KeyboardEvent } from "react";
import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "react-router";
import { useApp, useSession } from "../context";
import { useChat, messagesKey } from "../chat/ChatProvider";
import { completeMention, mentionQuery, merge, typingNow, type Message } from "../chat/state";
import { summary } from "../api/problem";
import { when } from "../format";

const PAGE = 30;

/** Team chat: the caller's channels with unread counts, one channel's messages live, typing and presence. */
/** A team channel by its name; a direct conversation by the other person's. */
function channelLabel(
  channel: { kind: string; name: string; direct_members?: string[] },
  names: Map<string, string>,
  me: string | undefined,
): string {
  if (channel.kind !== "direct") return `# ${channel.name}`;
  const other = channel.direct_members?.find((id) => id !== me);
  return `@ ${other ? (names.get(other) ?? channel.name) : channel.name}`;
}

export default function Chat() {
  const { channelId } = useParams();
  const chat = useChat();
  const me = useSession()?.user;
  return (
    <div className="chat">
      <nav aria-label="Channels" className="channels">
        <h1>Chat</h1>
        <p className="muted" role="status">
          {chat.connected ? "Connected" : "Connecting…"}
        </p>
        <ul>
          {chat.channels.map((channel) => (
            <li key={channel.channel_id}>
              <Link to={`/chat/${channel.channel_id}`} aria-current={channel.channel_id === channelId ? "page" : undefined}>
                {channelLabel(channel, chat.names, me?.id)}
                {channel.unread > 0 && (
                  <span className="badge" aria-label={`${channel.unread} unread`}>
                    {channel.unread}
                  </span>
                )}
              </Link>
            </li>
          ))}
        </ul>
        <NewChannel />
        <NewDirect />
      </nav>
      {channelId ? <Channel key={channelId} channelId={channelId} /> : <p>Choose a channel.</p>}
    </div>
  );
}

function NewChannel() {
  const { api } = useApp();
  const queries = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [problem, setProblem] = useState<unknown>(null);
  const create = async (event: FormEvent) => {
    event.preventDefault();
    const { data, error } = await api.POST("/api/v1/channels", { body: { kind: "team", name } });
    if (!data) return setProblem(error);
    setName("");
    await queries.invalidateQueries({ queryKey: ["channels"] });
    navigate(`/chat/${data.id}`);
  };
  return (
    <form onSubmit={create} className="new-channel">
      <label htmlFor="new-channel">New team channel</label>
      <input id="new-channel" value={name} onChange={(e) => setName(e.target.value)} placeholder="name" />
      {problem !== null && <p role="alert" className="field-error">{summary(problem)}</p>}
      <button type="submit" disabled={!name.trim()}>
        Create
      </button>
    </form>
  );
}

/** Opens (or finds) the direct conversation with a colleague. */
function NewDirect() {
  const { api } = useApp();
  const me = useSession()?.user;
  const chat = useChat();
  const queries = useQueryClient();
  const navigate = useNavigate();
  const [problem, setProblem] = useState<unknown>(null);
  const colleagues = [...chat.names].filter(([id]) => id !== me?.id);
  const open = async (userId: string) => {
    if (!userId) return;
    const { data, error } = await api.POST("/api/v1/channels", { body: { kind: "direct", user_id: userId } });
    if (!data) return setProblem(error);
    await queries.invalidateQueries({ queryKey: ["channels"] });
    navigate(`/chat/${data.id}`);
  };
  if (colleagues.length === 0) return null;
  return (
    <div className="new-channel">
      <label htmlFor="new-direct">Message a colleague</label>
      <select id="new-direct" value="" onChange={(e) => void open(e.target.value)}>
        <option value="">Choose…</option>
        {colleagues.map(([id, name]) => (
          <option key={id} value={id}>
            {name}
          </option>
        ))}
      </select>
      {problem !== null && <p role="alert" className="field-error">{summary(problem)}</p>}
    </div>
  );
}

function Channel({ channelId }: { channelId: string }) {
  const { api } = useApp();
  const me = useSession()?.user;
  const chat = useChat();
  const queries = useQueryClient();
  // History pages (newest first from the API) feed the cached list that live events also merge into.
  const history = useInfiniteQuery({
    queryKey: ["history", channelId],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) => {
      const { data, error } = await api.GET("/api/v1/messages", {
        params: { query: { channel: channelId, limit: PAGE, cursor: pageParam } },
      });
      if (!data) throw error;
      queries.setQueryData<Message[]>(messagesKey(channelId), (old) => merge(old ?? [], data.items));
      return data;
    },
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const messages = useQuery<Message[]>({ queryKey: messagesKey(channelId), queryFn: () => [], staleTime: Infinity, initialData: [] });
  const list = messages.data;
  const last = list[list.length - 1]?.id;
  const { setOpenChannel, read } = chat;
  useEffect(() => {
    setOpenChannel(channelId);
    return () => setOpenChannel(null);
  }, [channelId, setOpenChannel]);
  useEffect(() => {
    if (last) read(channelId, last);
  }, [channelId, last, read]);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const typing = typingNow(chat.typing.get(channelId) ?? new Map(), now).filter((user) => user !== me?.id);
  const name = (user: string) => (user === me?.id ? "You" : (chat.names.get(user) ?? `user ${user.slice(-6)}`));
  const channel = chat.channels.find((c) => c.channel_id === channelId);
  return (
    <section className="conversation" aria-labelledby="channel-heading">
      <h2 id="channel-heading">{channel ? channelLabel(channel, chat.names, me?.id) : "…"}</h2>
      {history.hasNextPage && (
        <button type="button" className="secondary" onClick={() => history.fetchNextPage()} disabled={history.isFetchingNextPage}>
          Older messages
        </button>
      )}
      {history.isError && <p role="alert">{summary(history.error)}</p>}
      <ol className="messages" aria-live="polite" aria-label="Messages">
        {list.map((message) => (
          <li key={message.id}>
            <span className={`presence ${chat.online.has(message.author_id) ? "online" : ""}`} aria-label={chat.online.has(message.author_id) ? "online" : "offline"} />
            <strong>{name(message.author_id)}</strong> <small className="muted">{when(message.created_at)}</small>
            <p>{message.body}</p>
          </li>
        ))}
      </ol>
      <p className="typing" role="status">
        {typing.length > 0 ? `${typing.map(name).join(", ")} ${typing.length === 1 ? "is" : "are"} typing…` : ""}
      </p>
      <Composer channelId={channelId} />
    </section>
  );
}

function Composer({ channelId }: { channelId: string }) {
  const chat = useChat();
  const [text, setText] = useState("");
  const [lastTyped, setLastTyped] = useState(0);
  const query = mentionQuery(text);
  const candidates =
    query === null
      ? []
      : [...chat.names].filter(([, name]) => name.toLowerCase().startsWith(query.toLowerCase())).slice(0, 5);
  const send = () => {
    if (!text.trim()) return;
    chat.send(channelId, text.trim());
    setText("");
  };
  const keyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      send();
    }
  };
  const change = (value: string) => {
    setText(value);
    const now = Date.now();
    if (now - lastTyped > 2000) {
      setLastTyped(now);
      chat.typed(channelId);
    }
  };
  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <label htmlFor="composer" className="sr-only">
        Message
      </label>
      <textarea id="composer" rows={2} value={text} onChange={(e) => change(e.target.value)} onKeyDown={keyDown} placeholder="Write a message (Enter sends, @ mentions)" />
      {candidates.length > 0 && (
        <ul className="mentions" aria-label="Mention">
          {candidates.map(([id, name]) => (
            <li key={id}>
              <button type="button" className="secondary" onClick={() => setText(completeMention(text, id))}>
                @{name}
              </button>
            </li>
          ))}
        </ul>
      )}
      <button type="submit" disabled={!text.trim()}>
        Send
      </button>
    </form>
  );
}
