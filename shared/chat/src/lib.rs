//! Team chat over the WebSocket API: connections and presence, channels and messages, and the fan-out that
//! posts events to every relevant connection through the API Gateway Management API, concurrently. A
//! connection API Gateway reports gone (410) is deleted on the spot.

use aws_sdk_apigatewaymanagement::Client;
use aws_sdk_apigatewaymanagement::primitives::Blob;
use crm_domain::chat::{ClientFrame, Membership, Message, PresenceStatus, SendMessage, ServerEvent};
use crm_domain::clock::Timestamp;
use crm_domain::policy::Denied;
use crm_domain::validation::Invalid;
use crm_domain::{ChannelId, MessageId, TenantId, UserId};
use crm_store::{Connection, StoreError, Table};
use futures_util::future::join_all;
use std::collections::BTreeSet;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The user holds as many live connections as one user may.
    #[error("at most {0} connections per user")]
    TooManyConnections(usize),
}

impl From<Denied> for ChatError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::Forbidden(why) => ChatError::Forbidden(why),
            Denied::Hidden => ChatError::NotFound,
        }
    }
}

/// Up to this many users, their connections are found by one query each (cheaper than reading every
/// connection of the tenant); past it, by one query over the tenant's.
const PER_USER_QUERIES_UP_TO: usize = 8;

/// The chat service: the table and a way to reach connections.
#[derive(Clone)]
pub struct Chat {
    pub table: Table,
    config: Arc<aws_config::SdkConfig>,
    /// From `WEBSOCKET_MANAGEMENT_ENDPOINT`; without it, WebSocket routes use their event's domain and
    /// stage, and HTTP routes store messages without pushing them.
    configured: Option<Client>,
}

/// A message ready to store and push: checked, its mentions kept to those who may be mentioned, and the
/// channel's members (who count it unread and see it).
pub struct Outgoing {
    tenant: TenantId,
    message: Message,
    members: BTreeSet<UserId>,
}

/// Who is acting, from a token or a connection.
#[derive(Clone, Copy, Debug)]
pub struct Member {
    pub tenant: TenantId,
    pub user: UserId,
}

impl Chat {
    pub fn new(table: Table, config: aws_config::SdkConfig, endpoint: Option<String>) -> Self {
        let configured = endpoint.filter(|e| !e.is_empty()).map(|e| management_client(&config, &e));
        Chat { table, config: Arc::new(config), configured }
    }

    pub async fn from_env(table: Table) -> Self {
        let config = aws_config::load_from_env().await;
        Chat::new(table, config, std::env::var("WEBSOCKET_MANAGEMENT_ENDPOINT").ok())
    }

    /// The management client: the configured one, or one for the endpoint a WebSocket event came through.
    pub fn client(&self, event_endpoint: Option<&str>) -> Option<Client> {
        self.configured.clone().or_else(|| event_endpoint.map(|e| management_client(&self.config, e)))
    }

    /// Posts `event` to each connection concurrently; answers how many took it. A connection that is
    /// gone is deleted, unless it may still be being established (`$connect` has not returned yet).
    pub async fn push(
        &self,
        client: &Client,
        connections: impl IntoIterator<Item = Connection>,
        event: &ServerEvent,
    ) -> usize {
        let data = event.to_json();
        let mut posts = Vec::new();
        for connection in connections {
            let (client, table, data) = (client.clone(), self.table.clone(), data.clone());
            posts.push(async move {
                let sent = client.post_to_connection().connection_id(&connection.connection_id).data(Blob::new(data)).send().await;
                match sent {
                    Ok(_) => true,
                    Err(error) if error.as_service_error().is_some_and(|e| e.is_gone_exception()) => {
                        if !crm_domain::chat::gone_connection_may_be_forgotten(&connection.connected_at, Timestamp::now()) {
                            return false;
                        }
                        if let Err(error) = table.delete_connection(connection.tenant_id, &connection.connection_id).await {
                            tracing::warn!(connection = %connection.connection_id, %error, "could not delete a gone connection");
                        }
                        false
                    }
                    Err(error) => {
                        let error = aws_sdk_apigatewaymanagement::error::DisplayErrorContext(&error);
                        tracing::warn!(connection = %connection.connection_id, %error, "post to connection failed");
                        false
                    }
                }
            });
        }
        join_all(posts).await.into_iter().filter(|sent| *sent).count()
    }

    async fn connections(&self, tenant: TenantId, user: Option<UserId>) -> Result<Vec<Connection>, ChatError> {
        Ok(self.table.live_connections(tenant, user, Timestamp::now().unix_seconds()).await?)
    }

    /// The live connections of these users only: one query per user, concurrently, for a few users (a
    /// direct conversation, a small channel); for more, one query over the tenant's connections, filtered.
    async fn connections_of(&self, tenant: TenantId, users: &BTreeSet<UserId>) -> Result<Vec<Connection>, ChatError> {
        if users.len() > PER_USER_QUERIES_UP_TO {
            let all = self.connections(tenant, None).await?;
            return Ok(all.into_iter().filter(|c| users.contains(&c.user_id)).collect());
        }
        let mut queries = Vec::new();
        for user in users.iter().copied() {
            let chat = self.clone();
            queries.push(async move { chat.connections(tenant, Some(user)).await });
        }
        let mut found = Vec::new();
        for result in join_all(queries).await {
            found.extend(result?);
        }
        Ok(found)
    }

    /// Pushes a new notification to the recipient's live connections (when pushing is configured);
    /// answers how many took it.
    pub async fn notify(
        &self,
        tenant: TenantId,
        recipient: UserId,
        notification: crm_domain::notification::Notification,
    ) -> Result<usize, ChatError> {
        self.tell(tenant, recipient, &ServerEvent::Notification { notification }).await
    }

    /// Pushes `event` to the user's live connections (when pushing is configured); answers how many took it.
    pub async fn tell(&self, tenant: TenantId, user: UserId, event: &ServerEvent) -> Result<usize, ChatError> {
        let Some(client) = self.configured.clone() else { return Ok(0) };
        let connections = self.connections(tenant, Some(user)).await?;
        Ok(self.push(&client, connections, event).await)
    }

    /// A channel the member belongs to (or, for reading a team channel, may read).
    async fn membership(&self, member: Member, channel: ChannelId) -> Result<Option<Membership>, ChatError> {
        Ok(self.table.membership(member.tenant, channel, member.user).await?)
    }

    /// Stores a message, counts it unread for the other members, and pushes it to every connection of
    /// the members and of mentioned users, except the sending connection (which gets an ack instead).
    pub async fn send(
        &self,
        client: Option<&Client>,
        member: Member,
        input: SendMessage,
        from_connection: Option<&str>,
    ) -> Result<Message, ChatError> {
        let outgoing = self.prepare(member, input).await?;
        self.deliver(client, outgoing, from_connection).await
    }

    /// What sending a message needs read, in one round trip of concurrent reads: the channel with its
    /// members (may the member post?), and which mentioned users are the tenant's. Reads only, so a caller
    /// may run it while it confirms who the member is.
    pub async fn prepare(&self, member: Member, input: SendMessage) -> Result<Outgoing, ChatError> {
        let mut message = Message::new(input.channel_id, member.user, &input.body, Timestamp::now())?;
        let (channel, tenant_users) = tokio::try_join!(
            self.table.channel_with_members(member.tenant, input.channel_id),
            self.table.users_exist(member.tenant, &message.mentions)
        )?;
        let (channel, members) = channel.ok_or(ChatError::NotFound)?;
        let members: BTreeSet<UserId> = members.into_iter().map(|m| m.user_id).collect();
        channel.may_post(members.contains(&member.user))?;
        // Only users of this tenant can be mentioned; in a direct conversation, only its two.
        message.mentions.retain(|u| {
            tenant_users.contains(u) && (channel.kind == crm_domain::chat::ChannelKind::Team || members.contains(u))
        });
        Ok(Outgoing { tenant: member.tenant, message, members })
    }

    /// Stores a prepared message while, concurrently, it is counted unread for the other members and the
    /// audience's connections are found (one round trip); then pushes it. An unread count that could not
    /// be raised is logged: the message itself is stored. When storing fails, the counts raised beside it
    /// stay one too high until the member next reads the channel: a count is a hint, the history is what
    /// was said.
    pub async fn deliver(
        &self,
        client: Option<&Client>,
        outgoing: Outgoing,
        from_connection: Option<&str>,
    ) -> Result<Message, ChatError> {
        let Outgoing { tenant, message, members } = outgoing;
        let mut unread = Vec::new();
        for user in members.iter().filter(|u| **u != message.author_id) {
            let (table, channel, user) = (self.table.clone(), message.channel_id, *user);
            unread.push(async move { table.bump_unread(tenant, channel, user).await });
        }
        let audience: BTreeSet<UserId> = members.iter().chain(&message.mentions).copied().collect();
        let connections = async {
            match client {
                Some(_) => self.connections_of(tenant, &audience).await.map(Some),
                None => Ok(None),
            }
        };
        let (stored, bumped, connections) =
            tokio::join!(self.table.put_message(tenant, &message), join_all(unread), connections);
        stored?;
        for error in bumped.into_iter().filter_map(Result::err) {
            tracing::warn!(%error, "unread count not bumped");
        }
        if let (Some(client), Some(connections)) = (client, connections?) {
            let (to_members, to_mentioned): (Vec<Connection>, Vec<Connection>) = connections
                .into_iter()
                .filter(|c| Some(c.connection_id.as_str()) != from_connection)
                .partition(|c| !message.mentions.contains(&c.user_id));
            let plain = ServerEvent::Message { message: message.clone(), mentioned: false };
            let mentioned = ServerEvent::Message { message: message.clone(), mentioned: true };
            tokio::join!(self.push(client, to_members, &plain), self.push(client, to_mentioned, &mentioned));
        }
        Ok(message)
    }

    /// Tells the channel's other members' connections that the member is typing.
    pub async fn typing(&self, client: &Client, member: Member, channel: ChannelId) -> Result<(), ChatError> {
        let channel = self.table.channel(member.tenant, channel).await?.ok_or(ChatError::NotFound)?;
        channel.may_post(self.membership(member, channel.id).await?.is_some())?;
        let others: BTreeSet<UserId> = self
            .table
            .channel_members(member.tenant, channel.id)
            .await?
            .into_iter()
            .map(|m| m.user_id)
            .filter(|u| *u != member.user)
            .collect();
        let others = self.connections_of(member.tenant, &others).await?;
        self.push(client, others, &ServerEvent::Typing { channel_id: channel.id, user_id: member.user }).await;
        Ok(())
    }

    /// Clears the member's unread count of a channel and tells the channel's connections.
    pub async fn mark_read(
        &self,
        client: Option<&Client>,
        member: Member,
        channel: ChannelId,
        message: Option<MessageId>,
    ) -> Result<(), ChatError> {
        if self.membership(member, channel).await?.is_none() {
            return Err(ChatError::NotFound);
        }
        self.table.mark_read(member.tenant, channel, member.user, message).await?;
        if let Some(client) = client {
            let members: BTreeSet<UserId> =
                self.table.channel_members(member.tenant, channel).await?.into_iter().map(|m| m.user_id).collect();
            let connections = self.connections_of(member.tenant, &members).await?;
            let event = ServerEvent::Read { channel_id: channel, user_id: member.user, message_id: message };
            self.push(client, connections, &event).await;
        }
        Ok(())
    }

    /// A new connection (from `$connect`, before it is open): it is recorded as announced, and its user is
    /// announced online to the tenant's other connections unless another connection of theirs already was
    /// (the new one cannot be posted to until `$connect` returns, so it is left out).
    pub async fn arrive(&self, client: Option<&Client>, connection: Connection) -> Result<(), ChatError> {
        let (tenant, user, id) = (connection.tenant_id, connection.user_id, connection.connection_id.clone());
        let others = self.connections(tenant, Some(user)).await?;
        if others.len() >= crm_domain::chat::MAX_CONNECTIONS_PER_USER {
            return Err(ChatError::TooManyConnections(crm_domain::chat::MAX_CONNECTIONS_PER_USER));
        }
        self.table.put_connection(&Connection { announced: true, ..connection }).await?;
        if others.iter().any(|c| c.connection_id != id && c.announced) {
            return Ok(());
        }
        if let Some(client) = client {
            let tenant_connections =
                self.connections(tenant, None).await?.into_iter().filter(|c| c.connection_id != id);
            let online = ServerEvent::Presence { user_id: user, status: PresenceStatus::Online };
            self.push(client, tenant_connections, &online).await;
        }
        Ok(())
    }

    /// A heartbeat: keeps the connection alive, and the first one of a connection announces its user
    /// online to the tenant if no other connection of the user did (a connection `$connect` announced
    /// already counts as announced).
    pub async fn heartbeat(
        &self,
        client: &Client,
        member: Member,
        connection: &str,
        expires_at: i64,
    ) -> Result<(), ChatError> {
        let was_announced = self.table.refresh_connection(member.tenant, connection, expires_at).await?;
        if was_announced {
            return Ok(());
        }
        let others = self.connections(member.tenant, Some(member.user)).await?;
        if others.iter().any(|c| c.connection_id != connection && c.announced) {
            return Ok(());
        }
        let tenant_connections = self.connections(member.tenant, None).await?;
        self.push(
            client,
            tenant_connections,
            &ServerEvent::Presence { user_id: member.user, status: PresenceStatus::Online },
        )
        .await;
        Ok(())
    }

    /// A connection ended: forget it, and announce its user offline if it was the user's last.
    pub async fn depart(&self, client: Option<&Client>, member: Member, connection: &str) -> Result<(), ChatError> {
        self.table.delete_connection(member.tenant, connection).await?;
        let remaining = self.connections(member.tenant, Some(member.user)).await?;
        if !remaining.is_empty() {
            return Ok(());
        }
        if let Some(client) = client {
            let tenant_connections = self.connections(member.tenant, None).await?;
            self.push(
                client,
                tenant_connections,
                &ServerEvent::Presence { user_id: member.user, status: PresenceStatus::Offline },
            )
            .await;
        }
        Ok(())
    }

    /// Ends a connection from the server side: tells it why, closes it and forgets it. Its `$disconnect`
    /// follows and finds nothing left to do.
    pub async fn end(&self, client: &Client, tenant: TenantId, connection: &str, why: &str) {
        let farewell = ServerEvent::error(why, None).to_json();
        if let Err(error) = client.post_to_connection().connection_id(connection).data(Blob::new(farewell)).send().await
        {
            tracing::info!(%connection, error = %aws_sdk_apigatewaymanagement::error::DisplayErrorContext(&error), "farewell not delivered");
        }
        if let Err(error) = client.delete_connection().connection_id(connection).send().await
            && !error.as_service_error().is_some_and(|e| e.is_gone_exception())
        {
            tracing::warn!(%connection, error = %aws_sdk_apigatewaymanagement::error::DisplayErrorContext(&error), "could not close a connection");
        }
        if let Err(error) = self.table.delete_connection(tenant, connection).await {
            tracing::warn!(%connection, %error, "could not forget a closed connection");
        }
    }

    /// Ends every connection of a user whose sign-in ended (deactivated, signed out everywhere) and
    /// announces them offline.
    pub async fn end_user(&self, client: Option<&Client>, member: Member, why: &str) -> Result<(), ChatError> {
        let Some(client) = client else { return Ok(()) };
        let connections = self.connections(member.tenant, Some(member.user)).await?;
        if connections.is_empty() {
            return Ok(());
        }
        let mut ending = Vec::new();
        for connection in connections {
            let (chat, client, why) = (self.clone(), client.clone(), why.to_owned());
            ending.push(async move { chat.end(&client, member.tenant, &connection.connection_id, &why).await });
        }
        join_all(ending).await;
        let tenant_connections = self.connections(member.tenant, None).await?;
        let offline = ServerEvent::Presence { user_id: member.user, status: PresenceStatus::Offline };
        self.push(client, tenant_connections, &offline).await;
        Ok(())
    }

    /// Dispatches a client frame of an established connection, which lives on until `expires_at` (unix
    /// seconds) if it is a heartbeat; answers the frame to send back.
    pub async fn frame(
        &self,
        client: &Client,
        member: Member,
        connection: &str,
        frame: ClientFrame,
        expires_at: i64,
    ) -> Result<ServerEvent, ChatError> {
        Ok(match frame {
            ClientFrame::SendMessage { channel_id, body, client_id } => {
                let input = SendMessage { channel_id, body, client_id: client_id.clone() };
                let message = self.send(Some(client), member, input, Some(connection)).await?;
                ServerEvent::Ack { action: "sendMessage".into(), message_id: Some(message.id), client_id }
            }
            ClientFrame::Typing { channel_id } => {
                self.typing(client, member, channel_id).await?;
                ServerEvent::Ack { action: "typing".into(), message_id: None, client_id: None }
            }
            ClientFrame::Heartbeat {} => {
                self.heartbeat(client, member, connection, expires_at).await?;
                ServerEvent::Ack { action: "heartbeat".into(), message_id: None, client_id: None }
            }
            ClientFrame::MarkRead { channel_id, message_id } => {
                self.mark_read(Some(client), member, channel_id, message_id).await?;
                ServerEvent::Ack { action: "markRead".into(), message_id, client_id: None }
            }
        })
    }
}

fn management_client(config: &aws_config::SdkConfig, endpoint: &str) -> Client {
    let conf = aws_sdk_apigatewaymanagement::config::Builder::from(config).endpoint_url(endpoint).build();
    Client::from_conf(conf)
}
