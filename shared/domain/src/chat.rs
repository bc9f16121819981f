//! Team chat: channels (team channels, public within the tenant, and direct conversations between two
//! users), messages with mentions, the frames clients send over the WebSocket API and the events pushed
//! back to them.

use crate::clock::Timestamp;
use crate::ids::{ChannelId, MessageId, UserId};
use crate::policy::{Actor, Denied};
use crate::validation::{self as v, FieldError, Invalid, MAX_NAME};
use serde::{Deserialize, Serialize};

/// A message body's limit, well inside API Gateway's 32 KB WebSocket frame.
pub const MAX_MESSAGE: usize = 4_000;
/// API Gateway's WebSocket frame size.
pub const MAX_FRAME_BYTES: usize = 32 * 1024;
/// How long a connection counts as live without a heartbeat.
pub const CONNECTION_TTL_SECONDS: i64 = 10 * 60;

/// Live connections one user may hold (tabs and devices); each chat event is posted to every one.
pub const MAX_CONNECTIONS_PER_USER: usize = 10;

/// How long a connection may take to be established: `$connect` records it, but API Gateway opens it only
/// when `$connect` returns (its function's timeout is 10 s), and until then a post to it is answered 410.
pub const CONNECT_GRACE_SECONDS: i64 = 30;

/// Whether a connection API Gateway called gone may be forgotten: not while it may still be being
/// established, which a 410 does not tell apart from one that has ended.
pub fn gone_connection_may_be_forgotten(connected_at: &str, now: Timestamp) -> bool {
    match Timestamp::parse(connected_at) {
        Some(connected) => now.unix_seconds() - connected.unix_seconds() >= CONNECT_GRACE_SECONDS,
        None => true,
    }
}

/// When a connection stops counting as live: a heartbeat's worth from now, but never past the access token
/// it was opened with (unix seconds).
pub fn connection_expiry(now_unix: i64, token_expires_at: i64) -> i64 {
    (now_unix + CONNECTION_TTL_SECONDS).min(token_expires_at)
}

/// The user a connection belongs to, as stored now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionHolder {
    pub active: bool,
    pub session_generation: u64,
}

/// Why an established connection may not be used any more, if it may not: it lives no longer than the
/// token that opened it, and not past its user's deactivation or signing out everywhere.
pub fn connection_ended(
    token_expires_at: i64,
    token_generation: u64,
    holder: Option<ConnectionHolder>,
    now_unix: i64,
) -> Option<&'static str> {
    match holder {
        _ if now_unix >= token_expires_at => {
            Some("the access token this connection was opened with has expired; reconnect with a fresh one")
        }
        Some(holder) if holder.active && token_generation >= holder.session_generation => None,
        _ => Some("this sign-in has ended; sign in again"),
    }
}

#[cfg_attr(feature = "graphql", derive(async_graphql::Enum), graphql(rename_items = "snake_case"))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    Team,
    Direct,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Channel {
    pub id: ChannelId,
    pub kind: ChannelKind,
    pub name: String,
    pub created_by: UserId,
    pub created_at: String,
    /// The two users of a direct conversation, in order; empty for team channels.
    #[serde(default)]
    pub direct_members: Vec<UserId>,
}

impl Channel {
    /// Who may read: anyone of the tenant in a team channel; only the two users of a direct conversation.
    pub fn may_read(&self, is_member: bool) -> Result<(), Denied> {
        match self.kind {
            ChannelKind::Team => Ok(()),
            ChannelKind::Direct if is_member => Ok(()),
            ChannelKind::Direct => Err(Denied::Hidden),
        }
    }

    pub fn may_post(&self, is_member: bool) -> Result<(), Denied> {
        match (self.kind, is_member) {
            (_, true) => Ok(()),
            (ChannelKind::Team, false) => Err(Denied::Forbidden("join the channel to post in it")),
            (ChannelKind::Direct, false) => Err(Denied::Hidden),
        }
    }

    /// Team channels take new members from their members (or anyone joining themselves); a direct
    /// conversation keeps its two.
    pub fn may_add(&self, actor: &Actor, is_member: bool, adding: &[UserId]) -> Result<(), Denied> {
        match self.kind {
            ChannelKind::Direct if is_member => Err(Denied::Forbidden("a direct conversation has exactly two members")),
            ChannelKind::Direct => Err(Denied::Hidden),
            ChannelKind::Team if is_member || adding == [actor.user] => Ok(()),
            ChannelKind::Team => Err(Denied::Forbidden("only members add others to a channel; join it first")),
        }
    }
}

/// `POST /channels`: `{"kind":"team","name":"sales"}` or `{"kind":"direct","user_id":"…"}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewChannel {
    #[serde(default = "team")]
    pub kind: ChannelKind,
    #[serde(default)]
    #[schema(schema_with = crate::schema::nullable_name)]
    pub name: Option<String>,
    #[serde(default)]
    pub user_id: Option<UserId>,
    /// Team channels: more members to add besides the creator.
    #[serde(default)]
    #[schema(max_items = 49)]
    pub members: Vec<UserId>,
}

fn team() -> ChannelKind {
    ChannelKind::Team
}

/// The creator and this many others fit one transaction (a membership and a check per other member).
pub const MAX_INITIAL_MEMBERS: usize = 49;

impl NewChannel {
    /// The channel and its first members (the creator first).
    pub fn validate(self, actor: &Actor, now: Timestamp) -> Result<(Channel, Vec<UserId>), Invalid> {
        let at = now.rfc3339();
        match self.kind {
            ChannelKind::Team => {
                if self.user_id.is_some() {
                    return Err(FieldError::new(
                        "user_id",
                        "is for direct conversations; a team channel takes members",
                    )
                    .into());
                }
                let name = v::required_text("name", self.name.as_deref().unwrap_or(""), MAX_NAME)?;
                if self.members.len() > MAX_INITIAL_MEMBERS {
                    return Err(
                        FieldError::new("members", format!("may list at most {MAX_INITIAL_MEMBERS} users")).into()
                    );
                }
                let mut members = vec![actor.user];
                for member in self.members {
                    // Each user once, wherever they repeat in the list: a transaction may touch an item once.
                    if !members.contains(&member) {
                        members.push(member);
                    }
                }
                let channel = Channel {
                    id: ChannelId::new(),
                    kind: ChannelKind::Team,
                    name,
                    created_by: actor.user,
                    created_at: at,
                    direct_members: Vec::new(),
                };
                Ok((channel, members))
            }
            ChannelKind::Direct => {
                let other = self
                    .user_id
                    .ok_or_else(|| FieldError::new("user_id", "names the other user of a direct conversation"))?;
                // Well-formed, but refused by who is asking: a conflict, as a record's state refuses a value.
                if other == actor.user {
                    return Err(FieldError::conflict("user_id", "a direct conversation is with another user").into());
                }
                if self.name.is_some() || !self.members.is_empty() {
                    return Err(FieldError::new("name", "a direct conversation has no name or extra members").into());
                }
                let mut pair = vec![actor.user, other];
                pair.sort();
                let channel = Channel {
                    id: ChannelId::new(),
                    kind: ChannelKind::Direct,
                    name: String::new(),
                    created_by: actor.user,
                    created_at: at,
                    direct_members: pair.clone(),
                };
                Ok((channel, pair))
            }
        }
    }
}

/// A user's membership of a channel, with what they have not read.
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject), graphql(rename_fields = "snake_case"))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Membership {
    pub channel_id: ChannelId,
    pub user_id: UserId,
    pub kind: ChannelKind,
    pub name: String,
    #[serde(default)]
    pub direct_members: Vec<UserId>,
    pub unread: i64,
    pub last_read_message_id: Option<MessageId>,
    pub joined_at: String,
}

impl Membership {
    pub fn new(channel: &Channel, user: UserId, now: &str) -> Self {
        Membership {
            channel_id: channel.id,
            user_id: user,
            kind: channel.kind,
            name: channel.name.clone(),
            direct_members: channel.direct_members.clone(),
            unread: 0,
            last_read_message_id: None,
            joined_at: now.to_owned(),
        }
    }
}

#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject), graphql(rename_fields = "snake_case"))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Message {
    pub id: MessageId,
    pub channel_id: ChannelId,
    pub author_id: UserId,
    pub body: String,
    /// Users mentioned as `@<user id>`.
    #[serde(default)]
    pub mentions: Vec<UserId>,
    pub created_at: String,
}

/// The user ids mentioned in a body as `@<user id>`, each once.
pub fn mentions(body: &str) -> Vec<UserId> {
    let mut found: Vec<UserId> =
        body.split('@').skip(1).filter_map(|rest| rest.get(..ulid::ULID_LEN).and_then(UserId::parse)).collect();
    found.sort();
    found.dedup();
    found
}

impl Message {
    pub fn new(channel: ChannelId, author: UserId, body: &str, now: Timestamp) -> Result<Message, Invalid> {
        let text = v::message_text("body", body, MAX_MESSAGE)?;
        Ok(Message {
            id: MessageId::new(),
            channel_id: channel,
            author_id: author,
            mentions: mentions(&text),
            body: text,
            created_at: now.rfc3339(),
        })
    }
}

/// `POST /messages` and the WebSocket `sendMessage` action.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendMessage {
    pub channel_id: ChannelId,
    #[schema(schema_with = crate::schema::message)]
    pub body: String,
    /// Echoed in the sender's ack, so a client can match it to what it sent.
    #[serde(default)]
    pub client_id: Option<String>,
}

/// Frames a client sends; API Gateway routes on `action`.
#[derive(Debug, Deserialize)]
#[serde(tag = "action", deny_unknown_fields)]
pub enum ClientFrame {
    #[serde(rename = "sendMessage")]
    SendMessage {
        channel_id: ChannelId,
        body: String,
        #[serde(default)]
        client_id: Option<String>,
    },
    #[serde(rename = "typing")]
    Typing { channel_id: ChannelId },
    #[serde(rename = "heartbeat")]
    Heartbeat {},
    #[serde(rename = "markRead")]
    MarkRead {
        channel_id: ChannelId,
        #[serde(default)]
        message_id: Option<MessageId>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PresenceStatus {
    Online,
    Offline,
}

/// Events pushed to clients.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ServerEvent {
    Message {
        message: Message,
        mentioned: bool,
    },
    Typing {
        channel_id: ChannelId,
        user_id: UserId,
    },
    Presence {
        user_id: UserId,
        status: PresenceStatus,
    },
    Read {
        channel_id: ChannelId,
        user_id: UserId,
        message_id: Option<MessageId>,
    },
    /// A new entry in the user's notification inbox.
    Notification {
        notification: crate::notification::Notification,
    },
    /// How far a job the user started (an import) has got: pushed as it passes each tenth, never stored.
    #[serde(rename = "job_progress")]
    JobProgress {
        job_id: crate::ids::JobId,
        percent: u8,
        /// Rows read so far.
        processed: u64,
    },
    /// The answer to the sender's own frame.
    Ack {
        action: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        message_id: Option<MessageId>,
        #[serde(skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
    Error {
        error: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        field: Option<String>,
    },
}

impl ServerEvent {
    pub fn error(error: impl Into<String>, field: Option<&str>) -> Self {
        ServerEvent::Error { error: error.into(), field: field.map(str::to_owned) }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| r#"{"type":"error","error":"unserialisable event"}"#.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_being_established_is_not_forgotten_on_a_410() {
        let now = Timestamp::now();
        assert!(!gone_connection_may_be_forgotten(&now.rfc3339(), now));
        assert!(!gone_connection_may_be_forgotten(&now.plus_seconds(-(CONNECT_GRACE_SECONDS - 1)).rfc3339(), now));
        assert!(gone_connection_may_be_forgotten(&now.plus_seconds(-CONNECT_GRACE_SECONDS).rfc3339(), now));
        assert!(gone_connection_may_be_forgotten("garbage", now));
    }

    #[test]
    fn a_new_channel_lists_each_member_once() {
        let actor = Actor { tenant: crate::TenantId::new(), user: UserId::new(), role: crate::Role::Sales };
        let (x, y) = (UserId::new(), UserId::new());
        let input = NewChannel {
            kind: ChannelKind::Team,
            name: Some("c".into()),
            user_id: None,
            members: vec![x, y, x, actor.user],
        };
        let (_, members) = input.validate(&actor, Timestamp::now()).unwrap();
        assert_eq!(members, [actor.user, x, y]);
        let crowd = (0..=MAX_INITIAL_MEMBERS).map(|_| UserId::new()).collect();
        let input = NewChannel { kind: ChannelKind::Team, name: Some("c".into()), user_id: None, members: crowd };
        assert!(input.validate(&actor, Timestamp::now()).is_err());
    }
    use crate::ids::TenantId;
    use crate::policy::Role;

    fn actor() -> Actor {
        Actor { tenant: TenantId::new(), user: UserId::new(), role: Role::Sales }
    }

    #[test]
    fn mentions_are_user_ids_after_an_at_sign() {
        let a = UserId::new();
        let body = format!("hi @{a}, see @{a}! email me@example.com @not-an-id");
        assert_eq!(mentions(&body), vec![a]);
    }

    #[test]
    fn messages_are_bounded_and_trimmed() {
        let ok = Message::new(ChannelId::new(), UserId::new(), "  hello\nteam ", Timestamp::now()).unwrap();
        assert_eq!(ok.body, "hello\nteam");
        assert!(Message::new(ChannelId::new(), UserId::new(), "   ", Timestamp::now()).is_err());
        assert!(Message::new(ChannelId::new(), UserId::new(), &"x".repeat(MAX_MESSAGE + 1), Timestamp::now()).is_err());
    }

    #[test]
    fn direct_conversations_pair_two_users() {
        let me = actor();
        let other = UserId::new();
        let (channel, members) =
            NewChannel { kind: ChannelKind::Direct, name: None, user_id: Some(other), members: vec![] }
                .validate(&me, Timestamp::now())
                .unwrap();
        assert_eq!(members.len(), 2);
        assert_eq!(channel.direct_members, members);
        let me_again = NewChannel { kind: ChannelKind::Direct, name: None, user_id: Some(me.user), members: vec![] };
        assert!(me_again.validate(&me, Timestamp::now()).is_err());
        assert!(channel.may_add(&me, true, &[UserId::new()]).is_err());
        assert_eq!(channel.may_post(false), Err(Denied::Hidden));
    }

    #[test]
    fn frames_route_on_action() {
        let frame: ClientFrame =
            serde_json::from_str(r#"{"action":"typing","channel_id":"01ARZ3NDEKTSV4RRFFQ69G5FAV"}"#).unwrap();
        assert!(matches!(frame, ClientFrame::Typing { .. }));
        assert!(serde_json::from_str::<ClientFrame>(r#"{"action":"dance"}"#).is_err());
        let ack =
            ServerEvent::Ack { action: "sendMessage".into(), message_id: None, client_id: Some("c1".into()) }.to_json();
        assert_eq!(ack, r#"{"type":"ack","action":"sendMessage","client_id":"c1"}"#);
    }

    #[test]
    fn a_connection_lives_no_longer_than_its_token_or_its_sign_in() {
        let holder = Some(ConnectionHolder { active: true, session_generation: 2 });
        assert_eq!(connection_ended(1000, 2, holder, 999), None);
        assert!(connection_ended(1000, 2, holder, 1000).is_some_and(|why| why.contains("expired")));
        assert!(connection_ended(1000, 1, holder, 999).is_some_and(|why| why.contains("ended")));
        let deactivated = Some(ConnectionHolder { active: false, session_generation: 2 });
        assert!(connection_ended(1000, 2, deactivated, 999).is_some());
        assert!(connection_ended(1000, 2, None, 999).is_some());
    }

    #[test]
    fn heartbeats_extend_a_connection_up_to_its_token() {
        assert_eq!(connection_expiry(1000, 100_000), 1000 + CONNECTION_TTL_SECONDS);
        assert_eq!(connection_expiry(1000, 1200), 1200);
    }
}
