//! Chat in the table. A connection is stored under its tenant (indexed by user, for presence and fan-out)
//! and in a directory under the system tenant, because WebSocket route events carry only the connection
//! id. Channels are item collections `T#<t>#CHANNEL#<id>`: the channel, its members (indexed by user, with
//! unread counts) and its messages.

use crate::Table;
use crate::cursor::{ListScope, Page, PageRequest};
use crate::error::StoreError;
use crate::keys::{self, Index, PK, SK, TTL};
use crate::read::ListQuery;
use crate::tx::{Cond, Item, OnFail, Tx, item, key, n, s};
use aws_sdk_dynamodb::types::ReturnValue;
use crm_domain::chat::{Channel, ChannelKind, Membership, Message};
use crm_domain::{ChannelId, MessageId, TenantId, UserId};
use serde::{Deserialize, Serialize};

const CONN: &str = "CONN";

/// A live (or not yet expired) WebSocket connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    pub connection_id: String,
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub connected_at: String,
    /// Unix seconds; refreshed by heartbeats.
    pub expires_at: i64,
    /// Whether this connection's user was announced online through it.
    #[serde(default)]
    pub announced: bool,
    /// The access token it was opened with: the connection ends when the token would, or when the
    /// user's sessions end (a later generation).
    #[serde(default)]
    pub token: TokenTerms,
}

/// What a connection keeps of the access token that opened it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenTerms {
    /// Unix seconds.
    pub expires_at: i64,
    pub generation: u64,
}

/// Whose connection this is, and on what terms (from the connection directory).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionOwner {
    pub tenant: TenantId,
    pub user: UserId,
    pub token: TokenTerms,
}

fn connection_pk(tenant: TenantId, connection: &str) -> String {
    format!("T#{tenant}#CONN#{connection}")
}

fn directory_pk(connection: &str) -> String {
    format!("T#{}#CONN#{connection}", TenantId::SYSTEM)
}

fn connections_of(tenant: TenantId) -> String {
    format!("T#{tenant}#CONNS")
}

fn channel_pk(tenant: TenantId, channel: ChannelId) -> String {
    format!("T#{tenant}#CHANNEL#{channel}")
}

fn channels_of_user(tenant: TenantId, user: UserId) -> String {
    format!("T#{tenant}#USER#{user}#CHANNELS")
}

fn team_channels(tenant: TenantId) -> String {
    format!("T#{tenant}#CHANNELS")
}

fn direct_pk(tenant: TenantId, pair: &[UserId]) -> String {
    let ids: Vec<String> = pair.iter().map(ToString::to_string).collect();
    format!("T#{tenant}#DM#{}", ids.join("#"))
}

fn member_sk(user: UserId) -> String {
    format!("MEMBER#{user}")
}

fn membership_item(tenant: TenantId, membership: &Membership) -> Result<Item, StoreError> {
    item(
        membership,
        [
            (PK, channel_pk(tenant, membership.channel_id)),
            (SK, member_sk(membership.user_id)),
            (Index::Gsi1.pk(), channels_of_user(tenant, membership.user_id)),
            (Index::Gsi1.sk(), membership.channel_id.to_string()),
        ],
    )
}

#[derive(Serialize, Deserialize)]
struct DirectoryEntry {
    tenant_id: TenantId,
    user_id: UserId,
    #[serde(default)]
    token: TokenTerms,
}

impl Table {
    pub async fn put_connection(&self, connection: &Connection) -> Result<(), StoreError> {
        let tenant = connection.tenant_id;
        let mut tx = Tx::new(self);
        let mut record = item(
            connection,
            [
                (PK, connection_pk(tenant, &connection.connection_id)),
                (SK, CONN.to_owned()),
                (Index::Gsi1.pk(), connections_of(tenant)),
                (Index::Gsi1.sk(), format!("{}#{}", connection.user_id, connection.connection_id)),
            ],
        )?;
        record.insert(TTL.to_owned(), n(connection.expires_at));
        tx.put(record, None)?;
        let entry = DirectoryEntry { tenant_id: tenant, user_id: connection.user_id, token: connection.token };
        let mut directory = item(&entry, [(PK, directory_pk(&connection.connection_id)), (SK, CONN.to_owned())])?;
        directory.insert(TTL.to_owned(), n(connection.expires_at));
        tx.put(directory, None)?;
        tx.commit().await
    }

    /// Whose connection this is, from the directory (route events carry only the connection id).
    pub async fn connection_owner(&self, connection: &str) -> Result<Option<ConnectionOwner>, StoreError> {
        let found = self.get_item(key(directory_pk(connection), CONN), true).await?;
        let entry: Option<DirectoryEntry> = found.map(serde_dynamo::from_item).transpose()?;
        Ok(entry.map(|e| ConnectionOwner { tenant: e.tenant_id, user: e.user_id, token: e.token }))
    }

    /// Extends a connection's life and marks it announced; answers whether it was announced before.
    pub async fn refresh_connection(
        &self,
        tenant: TenantId,
        connection: &str,
        expires_at: i64,
    ) -> Result<bool, StoreError> {
        let output = self
            .client()
            .update_item()
            .table_name(self.name())
            .set_key(Some(key(connection_pk(tenant, connection), CONN)))
            .update_expression("SET #ttl = :ttl, expires_at = :ttl, announced = :yes")
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#ttl", TTL)
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":ttl", n(expires_at))
            .expression_attribute_values(":yes", aws_sdk_dynamodb::types::AttributeValue::Bool(true))
            .return_values(ReturnValue::UpdatedOld)
            .send()
            .await;
        match output {
            Ok(output) => Ok(output
                .attributes
                .and_then(|a| a.get("announced").and_then(|v| v.as_bool().ok().copied()))
                .unwrap_or(false)),
            Err(error) if error.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                Err(StoreError::NotFound)
            }
            Err(error) => Err(error.into()),
        }
    }

    pub async fn delete_connection(&self, tenant: TenantId, connection: &str) -> Result<(), StoreError> {
        let mut tx = Tx::new(self);
        tx.delete(key(connection_pk(tenant, connection), CONN), None)?;
        tx.delete(key(directory_pk(connection), CONN), None)?;
        tx.commit().await
    }

    /// The tenant's live connections (or one user's), from the connection index; expired ones are left
    /// out, as TTL deletion lags.
    pub async fn live_connections(
        &self,
        tenant: TenantId,
        user: Option<UserId>,
        now_unix: i64,
    ) -> Result<Vec<Connection>, StoreError> {
        let query = self
            .client()
            .query()
            .table_name(self.name())
            .index_name(Index::Gsi1.name())
            .expression_attribute_names("#pk", Index::Gsi1.pk())
            .expression_attribute_names("#ttl", TTL)
            .expression_attribute_values(":pk", s(connections_of(tenant)))
            .expression_attribute_values(":now", n(now_unix))
            .filter_expression("#ttl > :now");
        let query = match user {
            Some(user) => query
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :user)")
                .expression_attribute_names("#sk", Index::Gsi1.sk())
                .expression_attribute_values(":user", s(format!("{user}#"))),
            None => query.key_condition_expression("#pk = :pk"),
        };
        let items = self.query_all(query).await?;
        Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
    }

    /// Creates a channel with its first members. A direct conversation between two users exists once:
    /// creating it again answers the existing one.
    pub async fn create_channel(
        &self,
        tenant: TenantId,
        channel: &Channel,
        members: &[UserId],
    ) -> Result<Channel, StoreError> {
        if channel.kind == ChannelKind::Direct
            && let Some(existing) = self.direct_channel(tenant, &channel.direct_members).await?
        {
            return Ok(existing);
        }
        let mut tx = Tx::new(self);
        let mut keys = vec![(PK, channel_pk(tenant, channel.id)), (SK, "CHANNEL".to_owned())];
        if channel.kind == ChannelKind::Team {
            keys.push((Index::Gsi1.pk(), team_channels(tenant)));
            keys.push((Index::Gsi1.sk(), channel.id.to_string()));
        }
        tx.put(item(channel, keys)?, Some((Cond::absent(), OnFail::VersionConflict)))?;
        if channel.kind == ChannelKind::Direct {
            let claim = key(direct_pk(tenant, &channel.direct_members), "DM");
            let mut claim = claim;
            claim.insert("channel_id".into(), s(channel.id.to_string()));
            tx.put(claim, Some((Cond::absent(), OnFail::VersionConflict)))?;
        }
        for user in members {
            let membership = Membership::new(channel, *user, &channel.created_at);
            tx.put(membership_item(tenant, &membership)?, None)?;
            let active = Cond::new("attribute_exists(#pk) AND #status = :active")
                .name("#pk", PK)
                .name("#status", "status")
                .value(":active", s("active"));
            if *user != channel.created_by {
                tx.check(key(keys::user(tenant, *user), keys::sk::USER), active, OnFail::MissingReference("members"))?;
            }
        }
        match tx.commit().await {
            // Two users opened the same conversation at once: the other one won.
            Err(StoreError::VersionConflict) if channel.kind == ChannelKind::Direct => {
                self.direct_channel(tenant, &channel.direct_members).await?.ok_or(StoreError::VersionConflict)
            }
            Err(other) => Err(other),
            Ok(()) => Ok(channel.clone()),
        }
    }

    async fn direct_channel(&self, tenant: TenantId, pair: &[UserId]) -> Result<Option<Channel>, StoreError> {
        let Some(claim) = self.get_item(key(direct_pk(tenant, pair), "DM"), true).await? else { return Ok(None) };
        let id = claim.get("channel_id").and_then(|v| v.as_s().ok()).and_then(|id| ChannelId::parse(id));
        match id {
            Some(id) => self.channel(tenant, id).await,
            None => Ok(None),
        }
    }

    pub async fn channel(&self, tenant: TenantId, id: ChannelId) -> Result<Option<Channel>, StoreError> {
        let found = self.get_item(key(channel_pk(tenant, id), "CHANNEL"), false).await?;
        Ok(found.map(serde_dynamo::from_item).transpose()?)
    }

    pub async fn membership(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        user: UserId,
    ) -> Result<Option<Membership>, StoreError> {
        let found = self.get_item(key(channel_pk(tenant, channel), &member_sk(user)), true).await?;
        Ok(found.map(serde_dynamo::from_item).transpose()?)
    }

    /// Adds members who are active users of the tenant; existing members keep their state.
    pub async fn add_members(
        &self,
        tenant: TenantId,
        channel: &Channel,
        users: &[UserId],
        now: &str,
    ) -> Result<(), StoreError> {
        for user in users {
            let mut tx = Tx::new(self);
            let membership = Membership::new(channel, *user, now);
            tx.put(membership_item(tenant, &membership)?, Some((Cond::absent(), OnFail::Duplicate)))?;
            let active = Cond::new("attribute_exists(#pk) AND #status = :active")
                .name("#pk", PK)
                .name("#status", "status")
                .value(":active", s("active"));
            tx.check(key(keys::user(tenant, *user), keys::sk::USER), active, OnFail::MissingReference("user_ids"))?;
            match tx.commit().await {
                Ok(()) | Err(StoreError::Duplicate) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }

    /// A channel with every member, in one strongly consistent query of its item collection (the channel
    /// item, `CHANNEL`, sorts just before the members, `MEMBER#…`, and the messages after them).
    pub async fn channel_with_members(
        &self,
        tenant: TenantId,
        id: ChannelId,
    ) -> Result<Option<(Channel, Vec<Membership>)>, StoreError> {
        let query = self
            .partition_query(None, channel_pk(tenant, id))
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :channel AND :members")
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":channel", s("CHANNEL"))
            .expression_attribute_values(":members", s("MEMBER#\u{10FFFF}"))
            .consistent_read(true);
        let mut channel = None;
        let mut members = Vec::new();
        for found in self.query_all(query).await? {
            match found.get(SK).and_then(|sk| sk.as_s().ok()).map(String::as_str) {
                Some("CHANNEL") => channel = Some(serde_dynamo::from_item(found)?),
                Some(sk) if sk.starts_with("MEMBER#") => members.push(serde_dynamo::from_item(found)?),
                _ => {}
            }
        }
        Ok(channel.map(|channel| (channel, members)))
    }

    /// Every member of a channel.
    pub async fn channel_members(&self, tenant: TenantId, channel: ChannelId) -> Result<Vec<Membership>, StoreError> {
        let scope = ListScope {
            tenant_prefix: keys::tenant_prefix(tenant),
            index: None,
            partition: channel_pk(tenant, channel),
            shape: "members".into(),
        };
        let mut members = Vec::new();
        let mut page = PageRequest { limit: 100, cursor: None };
        loop {
            let query =
                ListQuery { scope: &scope, sort_key_prefix: Some("MEMBER#"), filter: None, newest_first: false };
            let batch: Page<Membership> = self.query_records(query, &page).await?;
            members.extend(batch.items);
            match batch.next_cursor {
                Some(cursor) => page.cursor = Some(cursor),
                None => return Ok(members),
            }
        }
    }

    /// The channels a user belongs to, with unread counts.
    pub async fn user_channels(
        &self,
        tenant: TenantId,
        user: UserId,
        page: &PageRequest,
    ) -> Result<Page<Membership>, StoreError> {
        let scope = ListScope {
            tenant_prefix: keys::tenant_prefix(tenant),
            index: Some(Index::Gsi1),
            partition: channels_of_user(tenant, user),
            shape: "user-channels".into(),
        };
        self.query_records(ListQuery { scope: &scope, sort_key_prefix: None, filter: None, newest_first: true }, page)
            .await
    }

    /// Every team channel of the tenant, newest first.
    pub async fn team_channels(&self, tenant: TenantId, page: &PageRequest) -> Result<Page<Channel>, StoreError> {
        let scope = ListScope {
            tenant_prefix: keys::tenant_prefix(tenant),
            index: Some(Index::Gsi1),
            partition: team_channels(tenant),
            shape: "team-channels".into(),
        };
        self.query_records(ListQuery { scope: &scope, sort_key_prefix: None, filter: None, newest_first: true }, page)
            .await
    }

    /// Stores a message, and a mention entry for each mentioned user, together.
    pub async fn put_message(&self, tenant: TenantId, message: &Message) -> Result<(), StoreError> {
        let mut tx = Tx::new(self);
        let record = item(
            message,
            [(PK, channel_pk(tenant, message.channel_id)), (SK, format!("{}{}", keys::sk::MESSAGE_PREFIX, message.id))],
        )?;
        tx.put(record, Some((Cond::absent(), OnFail::VersionConflict)))?;
        for user in &message.mentions {
            let mention = item(message, [(PK, keys::user(tenant, *user)), (SK, format!("MENTION#{}", message.id))])?;
            tx.put(mention, None)?;
        }
        tx.commit().await
    }

    /// A channel's messages, newest first.
    pub async fn messages(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        page: &PageRequest,
    ) -> Result<Page<Message>, StoreError> {
        let scope = ListScope {
            tenant_prefix: keys::tenant_prefix(tenant),
            index: None,
            partition: channel_pk(tenant, channel),
            shape: "messages".into(),
        };
        self.query_records(
            ListQuery {
                scope: &scope,
                sort_key_prefix: Some(keys::sk::MESSAGE_PREFIX),
                filter: None,
                newest_first: true,
            },
            page,
        )
        .await
    }

    /// One more unread message for a member.
    pub async fn bump_unread(&self, tenant: TenantId, channel: ChannelId, user: UserId) -> Result<(), StoreError> {
        let mut tx = Tx::new(self);
        let add = Cond::new("ADD unread :one").value(":one", n(1));
        let exists = Cond::new("attribute_exists(#pk)").name("#pk", PK);
        tx.update(key(channel_pk(tenant, channel), &member_sk(user)), add, Some((exists, OnFail::NotFound)))?;
        tx.commit().await
    }

    pub async fn mark_read(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        user: UserId,
        message: Option<MessageId>,
    ) -> Result<(), StoreError> {
        let mut tx = Tx::new(self);
        let mut set = Cond::new("SET unread = :zero").value(":zero", n(0));
        if let Some(message) = message {
            set = Cond { expr: "SET unread = :zero, last_read_message_id = :message".into(), ..set }
                .value(":message", s(message.to_string()));
        }
        let exists = Cond::new("attribute_exists(#pk)").name("#pk", PK);
        tx.update(key(channel_pk(tenant, channel), &member_sk(user)), set, Some((exists, OnFail::NotFound)))?;
        tx.commit().await
    }
}
