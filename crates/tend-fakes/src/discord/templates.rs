//! The fake's JSON templates, made from the recorded Discord captures in
//! `payloads/discord/`, and how a stored message is rendered from them.

use super::*;

pub(super) struct Templates {
    pub(super) member_message: Value,
    pub(super) bot_message: Value,
    pub(super) me: Value,
    pub(super) hello: Value,
    pub(super) ready: Value,
    pub(super) delete: Value,
    pub(super) thread: Value,
}

/// The first element of a captured file (each is an array of captures).
fn first(json: &str, file: &str) -> anyhow::Result<Value> {
    let all: Value = serde_json::from_str(json).with_context(|| file.to_string())?;
    all.get(0)
        .cloned()
        .with_context(|| format!("{file}: empty"))
}

impl Templates {
    pub(super) fn load() -> anyhow::Result<Templates> {
        let frame_d = |json: &str, file: &str| -> anyhow::Result<Value> {
            first(json, file)?
                .get("d")
                .cloned()
                .with_context(|| format!("{file}: no d"))
        };
        let mut member_message = frame_d(
            include_str!("../../payloads/discord/gateway_message_create.json"),
            "gateway_message_create.json",
        )?;
        if let Some(o) = member_message.as_object_mut() {
            o.remove("nonce");
            o.remove("referenced_message");
        }
        Ok(Templates {
            member_message,
            bot_message: first(
                include_str!("../../payloads/discord/rest_create_message.json"),
                "rest_create_message.json",
            )?,
            me: first(
                include_str!("../../payloads/discord/rest_get_me.json"),
                "rest_get_me.json",
            )?,
            hello: first(
                include_str!("../../payloads/discord/gateway_hello.json"),
                "gateway_hello.json",
            )?,
            ready: frame_d(
                include_str!("../../payloads/discord/gateway_ready.json"),
                "gateway_ready.json",
            )?,
            delete: frame_d(
                include_str!("../../payloads/discord/gateway_message_delete.json"),
                "gateway_message_delete.json",
            )?,
            thread: frame_d(
                include_str!("../../payloads/discord/gateway_thread_create.json"),
                "gateway_thread_create.json",
            )?,
        })
    }
}

impl Templates {
    /// A message as Discord shows it: on the Gateway (`gateway`: with
    /// `guild_id` and `member`) or over REST.
    pub(super) fn render(&self, state: &State, m: &Msg, gateway: bool) -> Value {
        let channel = state.channels.get(&m.channel);
        let direct = channel.is_some_and(|c| c.kind == 1);
        let mut v = if m.author == state.bot {
            self.bot_message.clone()
        } else {
            self.member_message.clone()
        };
        v["id"] = json!(m.id.to_string());
        v["channel_id"] = json!(m.channel.to_string());
        v["content"] = json!(m.content);
        v["timestamp"] = json!(iso(m.created_ms));
        v["edited_timestamp"] = m.edited_ms.map_or(Value::Null, |t| json!(iso(t)));
        v["author"] = state.user_json(self, m.author);
        let mentions: Vec<Value> = m
            .mentions
            .iter()
            .filter_map(|id| {
                let mut u = if *id == state.bot {
                    self.me.clone()
                } else {
                    let user = state.users.get(id)?;
                    let mut u = state.user_json(self, user.id);
                    if gateway {
                        u["member"] = json!({"nick": user.nick, "roles": [], "joined_at": "2024-02-27T19:50:51.701000+00:00"});
                    }
                    u
                };
                if let Some(o) = u.as_object_mut() {
                    o.remove("email");
                }
                Some(u)
            })
            .collect();
        v["mentions"] = json!(mentions);
        match m.reply_to {
            Some(parent) => {
                v["type"] = json!(19);
                v["message_reference"] = json!({
                    "type": 0,
                    "message_id": parent.to_string(),
                    "channel_id": m.channel.to_string(),
                    "guild_id": (!direct).then(|| GUILD_ID.to_string()),
                });
            }
            None => {
                v["type"] = json!(0);
                if let Some(o) = v.as_object_mut() {
                    o.remove("message_reference");
                }
            }
        }
        let obj = v.as_object_mut();
        if let Some(o) = obj {
            o.remove("nonce");
            if gateway && !direct {
                o.insert("guild_id".into(), json!(GUILD_ID.to_string()));
                let nick = state.users.get(&m.author).and_then(|u| u.nick.clone());
                let mut member = self.member_message["member"].clone();
                member["nick"] = json!(nick);
                o.insert("member".into(), member);
                o.insert("channel_type".into(), json!(channel.map_or(0, |c| c.kind)));
            } else {
                o.remove("guild_id");
                o.remove("member");
                o.remove("channel_type");
            }
        }
        // The author's nonce comes back on the Gateway, not over REST.
        if gateway && let Some(n) = &m.nonce {
            v["nonce"] = json!(n);
        }
        v
    }

    pub(super) fn render_delete(&self, state: &State, m: &Msg) -> Value {
        let mut v = self.delete.clone();
        v["id"] = json!(m.id.to_string());
        v["channel_id"] = json!(m.channel.to_string());
        let direct = state.channels.get(&m.channel).is_some_and(|c| c.kind == 1);
        if direct {
            if let Some(o) = v.as_object_mut() {
                o.remove("guild_id");
            }
        } else {
            v["guild_id"] = json!(GUILD_ID.to_string());
        }
        v
    }

    pub(super) fn render_thread(&self, id: u64, parent: u64, name: &str) -> Value {
        let mut v = self.thread.clone();
        v["id"] = json!(id.to_string());
        v["parent_id"] = json!(parent.to_string());
        v["guild_id"] = json!(GUILD_ID.to_string());
        v["name"] = json!(name);
        v["type"] = json!(11);
        v
    }

    pub(super) fn render_channel(&self, id: u64, c: &ChannelInfo) -> Value {
        json!({
            "id": id.to_string(),
            "type": c.kind,
            "guild_id": GUILD_ID.to_string(),
            "name": c.name,
            "parent_id": c.parent.map(|p| p.to_string()),
            "position": 0,
            "flags": 0,
            "nsfw": false,
            "rate_limit_per_user": 0,
            "last_message_id": null,
        })
    }
}
