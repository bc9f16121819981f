import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useApp, useSession } from "../context";
import { ChatSocket, type SocketLike } from "./socket";
import { merge, type Message, type ServerEvent } from "./state";
import type { components } from "../api/schema";
import { useDirectory } from "../directory";
import { NOTIFICATIONS } from "../notifications/inbox";

type Membership = components["schemas"]["Membership"];

interface Chat {
  connected: boolean;
  channels: Membership[];
  unreadTotal: number;
  online: Set<string>;
  /** Typing events by channel: user → when. */
  typing: Map<string, Map<string, number>>;
  /** Names by user id, from the account's directory. */
  names: Map<string, string>;
  send: (channelId: string, body: string) => void;
  typed: (channelId: string) => void;
  read: (channelId: string, lastMessageId: string | undefined) => void;
  setOpenChannel: (channelId: string | null) => void;
}

const ChatContext = createContext<Chat | null>(null);

export function useChat(): Chat {
  const chat = useContext(ChatContext);
  if (!chat) throw new Error("useChat outside ChatProvider");
  return chat;
}

export const messagesKey = (channelId: string) => ["messages", channelId];

/**
 * The signed-in user's chat: one WebSocket for the whole app (so unread badges move anywhere), live events
 * merged into the cached history, presence and typing. After a reconnect it refetches the channels and the
 * open channel's newest messages, so nothing sent while it was away is missed.
 */
export function ChatProvider({ children }: { children: ReactNode }) {
  const { api, session, config } = useApp();
  const me = useSession()?.user;
  const myId = me?.id;
  const queries = useQueryClient();
  const [connected, setConnected] = useState(false);
  const [online, setOnline] = useState<Set<string>>(new Set());
  const [typing, setTyping] = useState<Map<string, Map<string, number>>>(new Map());
  const openChannel = useRef<string | null>(null);
  /** What this tab sent, by client id, until its ack names the stored message. */
  const sent = useRef(new Map<string, { channelId: string; body: string }>());
  const socket = useRef<ChatSocket | null>(null);

  const channels = useQuery({
    queryKey: ["channels"],
    enabled: me !== undefined,
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/channels", { params: { query: { limit: 100 } } });
      if (!data) throw error;
      return data.items.filter((entry): entry is Membership => "channel_id" in entry);
    },
  });
  const names = useDirectory(me !== undefined);

  const onEvent = useCallback(
    (event: ServerEvent) => {
      switch (event.type) {
        case "message": {
          const { message } = event;
          queries.setQueryData<Message[]>(messagesKey(message.channel_id), (old) => merge(old ?? [], [message]));
          // Whoever sent it has stopped typing.
          setTyping((old) => {
            const inChannel = new Map(old.get(message.channel_id));
            if (!inChannel.delete(message.author_id)) return old;
            return new Map(old).set(message.channel_id, inChannel);
          });
          if (openChannel.current !== message.channel_id && message.author_id !== myId) {
            queries.setQueryData<Membership[]>(["channels"], (old) =>
              old?.map((c) => (c.channel_id === message.channel_id ? { ...c, unread: c.unread + 1 } : c)),
            );
          }
          if (!queries.getQueryData<Membership[]>(["channels"])?.some((c) => c.channel_id === message.channel_id)) {
            void queries.invalidateQueries({ queryKey: ["channels"] });
          }
          break;
        }
        case "ack": {
          const own = event.client_id ? sent.current.get(event.client_id) : undefined;
          if (own && event.message_id && myId) {
            sent.current.delete(event.client_id!);
            const message: Message = {
              id: event.message_id,
              channel_id: own.channelId,
              body: own.body,
              author_id: myId,
              created_at: new Date().toISOString(),
            };
            queries.setQueryData<Message[]>(messagesKey(own.channelId), (old) => merge(old ?? [], [message]));
          }
          break;
        }
        case "presence":
          setOnline((old) => {
            const next = new Set(old);
            if (event.status === "online") next.add(event.user_id);
            else next.delete(event.user_id);
            return next;
          });
          break;
        case "notification":
          // The inbox and its count are read again: the new entry is in both.
          void queries.invalidateQueries({ queryKey: [NOTIFICATIONS] });
          break;
        case "typing":
          setTyping((old) => {
            const next = new Map(old);
            next.set(event.channel_id, new Map(old.get(event.channel_id)).set(event.user_id, Date.now()));
            return next;
          });
          break;
        default:
          break;
      }
    },
    [queries, myId],
  );

  useEffect(() => {
    if (!me) return;
    const chat = new ChatSocket({
      url: config.wsUrl,
      token: async () => {
        if (session.expiresWithin(30_000)) await session.refresh();
        return session.get()?.accessToken ?? null;
      },
      open: (url) => new WebSocket(url) as unknown as SocketLike,
      onEvent,
      onStatus: (up) => {
        setConnected(up);
        if (!up) return;
        void queries.invalidateQueries({ queryKey: ["channels"] });
        if (openChannel.current) void queries.invalidateQueries({ queryKey: ["history", openChannel.current] });
        // Whatever was pushed while the socket was away is in the inbox.
        void queries.invalidateQueries({ queryKey: [NOTIFICATIONS] });
        void api.GET("/api/v1/presence").then(({ data }) => {
          if (data) setOnline(new Set(data.online.map((o) => o.user_id)));
        });
      },
    });
    socket.current = chat;
    chat.start();
    return () => chat.stop();
  }, [me, config.wsUrl, session, onEvent, queries, api]);

  const value = useMemo<Chat>(() => {
    const list = channels.data ?? [];
    return {
      connected,
      channels: list,
      unreadTotal: list.reduce((sum, c) => sum + c.unread, 0),
      online,
      typing,
      names: names.data ?? new Map(),
      send: (channelId, body) => {
        const clientId = crypto.randomUUID();
        sent.current.set(clientId, { channelId, body });
        socket.current?.send({ action: "sendMessage", channel_id: channelId, body, client_id: clientId });
      },
      typed: (channelId) => socket.current?.send({ action: "typing", channel_id: channelId }),
      read: (channelId, lastMessageId) => {
        socket.current?.send({ action: "markRead", channel_id: channelId, message_id: lastMessageId });
        queries.setQueryData<Membership[]>(["channels"], (old) =>
          old?.map((c) => (c.channel_id === channelId ? { ...c, unread: 0 } : c)),
        );
      },
      setOpenChannel: (channelId) => {
        openChannel.current = channelId;
      },
    };
  }, [channels.data, connected, online, typing, names.data, queries]);
  return <ChatContext.Provider value={value}>{children}</ChatContext.Provider>;
}
