//! What a channel is connected with: its settings ([`ChannelConfig`], stored
//! in clear) and its secrets ([`Credentials`], stored encrypted by the
//! caller, never printed).

use super::ChannelError;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tend_domain::ChannelKind;

/// A live channel's settings, by network. The set is closed: a network is a
/// code change (a module here), not configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "network", rename_all = "snake_case")]
pub enum ChannelConfig {
    /// Tend's own simulated network for the demo: a member message every
    /// `every_secs` seconds, replies accepted.
    Simulated {
        /// Seconds between two simulated messages.
        every_secs: u64,
    },
    /// A Mastodon account (or one on a server with Mastodon's client API):
    /// its mentions in, replies out. The token is in [`Credentials`].
    Mastodon {
        /// The instance's address, like `https://mastodon.social`.
        instance: String,
        /// The brand's handle (`brand` or `brand@mastodon.social`); when
        /// set, connecting checks the token belongs to it.
        #[serde(default)]
        account: Option<String>,
    },
    /// The support mailbox: IMAP in, SMTP out (see [`super::email`]).
    Email(super::email::Settings),
    /// Matrix rooms on a homeserver (credentials: an access token, or a
    /// login and password).
    Matrix {
        /// The homeserver's base URL (`https://matrix.example.org`).
        homeserver: String,
        /// Room ids (`!id:server`) or aliases (`#name:server`) to follow;
        /// empty = every room the account has joined.
        #[serde(default)]
        rooms: Vec<String>,
    },
    /// An RSS 2.0 or Atom feed (blog comments, a forum's feed); read-only.
    Rss {
        /// The feed's URL.
        url: String,
    },
    /// A Bluesky account (the brand's), signed in with an app password
    /// (`Credentials::Password`: handle and app password).
    Bluesky {
        /// The account's PDS (`https://bsky.social` on the real network).
        service: String,
        /// The brand's handle (`brand.bsky.social`); mentions of its DID,
        /// replies and quotes of its posts are read.
        handle: String,
        /// The firehose to read, when it is not the PDS's own: on the real
        /// network a relay (`wss://bsky.network`), read from "now" on.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        firehose: Option<String>,
    },
    /// A Discord bot in one server (the bot token is `Credentials::Token`).
    Discord {
        /// The server (guild) id.
        #[serde(deserialize_with = "ids::one")]
        guild_id: String,
        /// Text channel ids to read; empty = every text channel the bot sees.
        #[serde(default, deserialize_with = "ids::list")]
        channels: Vec<String>,
        /// The channel new posts go to; with none, the first of `channels`.
        #[serde(
            default,
            deserialize_with = "ids::optional",
            skip_serializing_if = "Option::is_none"
        )]
        publish_channel: Option<String>,
        /// The REST API's address (`https://discord.com/api/v10` when unset).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        api_base: Option<String>,
        /// The Gateway's address (asked from `GET /gateway/bot` when unset).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        gateway: Option<String>,
    },
    /// A Telegram bot (the token from BotFather is `Credentials::Token`):
    /// what members write to it, and in the groups and channels it is in.
    Telegram {
        /// Chat ids to read (`-1001234567890`); empty = every chat the bot
        /// is in. Private chats with the bot are always read.
        #[serde(default, deserialize_with = "ids::list")]
        chats: Vec<String>,
        /// The Bot API's address (`https://api.telegram.org` when unset).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        api_base: Option<String>,
    },
    /// A Discourse forum: its posts and the account's private messages in,
    /// replies and new topics out (credentials: an API key and its username
    /// as `Password`, or a user API key as `Token`).
    Discourse {
        /// The forum's address, like `https://forum.example.org`.
        base_url: String,
        /// Category ids to follow (empty with no tags: every category the
        /// account sees); a new topic goes to the first.
        #[serde(default)]
        categories: Vec<u64>,
        /// Tags whose topics to follow.
        #[serde(default)]
        tags: Vec<String>,
    },
    /// A Stack Exchange site's questions, answers and comments for some
    /// tags, read-only (credentials: none, or an app key as `Token`).
    Stackexchange {
        /// The site's API name: `stackoverflow`, `superuser`, `askubuntu` ….
        site: String,
        /// Tags to follow (questions with any of them); empty: the whole site.
        #[serde(default)]
        tags: Vec<String>,
        /// The API's address when it is not `https://api.stackexchange.com/2.3`
        /// (a test server).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        api: Option<String>,
    },
    /// A Reddit account: its inbox (replies, mentions, private messages)
    /// and the new comments and posts of its subreddits.
    Reddit {
        /// Subreddits to read (`rust` or `r/rust`); a post goes to the first.
        #[serde(default)]
        subreddits: Vec<String>,
        /// The `User-Agent` to send (Reddit asks for
        /// `platform:app-id:version (by /u/name)`); Tend's own when unset.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_agent: Option<String>,
        /// The API's address, when not `https://oauth.reddit.com` (tests).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        api: Option<String>,
        /// The token endpoint, when not Reddit's (tests).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token_url: Option<String>,
    },
    /// A YouTube channel: the comments on its videos in, replies out.
    Youtube {
        /// The channel's id (`UC…`).
        channel_id: String,
        /// The API's address, when not `https://www.googleapis.com` (tests).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        api: Option<String>,
        /// Google's token endpoint, when not `https://oauth2.googleapis.com/token`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token_url: Option<String>,
    },
    /// An X account (API v2, user-context OAuth 2.0 in [`Credentials`]):
    /// mentions and direct messages in, replies and posts out.
    X {
        /// The API's address (`https://api.x.com`).
        #[serde(default = "default_x_api_base")]
        api_base: String,
        /// The brand account's numeric user id.
        #[serde(deserialize_with = "id_setting")]
        user_id: String,
        /// The OAuth 2.0 token endpoint the tokens are refreshed at.
        #[serde(default = "default_x_token_url")]
        token_url: String,
    },
    /// A Facebook Page (a long-lived Page access token in [`Credentials`]):
    /// comments on its posts and Messenger conversations in, replies and
    /// posts out.
    Facebook {
        /// The Page's id.
        #[serde(deserialize_with = "id_setting")]
        page_id: String,
        /// Graph API's address with its version.
        #[serde(default = "default_graph_base")]
        graph_base: String,
    },
    /// An Instagram professional account, through its Facebook Page's token:
    /// comments, replies, tags and messages in, replies and image posts out.
    Instagram {
        /// The Instagram account's id (as Graph API knows it).
        #[serde(deserialize_with = "id_setting")]
        ig_user_id: String,
        /// Its Facebook Page's id, to read Instagram direct messages.
        #[serde(
            default,
            deserialize_with = "optional_id_setting",
            skip_serializing_if = "Option::is_none"
        )]
        page_id: Option<String>,
        /// Graph API's address with its version.
        #[serde(default = "default_graph_base")]
        graph_base: String,
    },
    /// A LinkedIn organisation page (Community Management API, a page
    /// admin's 3-legged OAuth 2.0 tokens in [`Credentials`]): its posts and
    /// their comments in, comment replies and page posts out.
    Linkedin {
        /// The organisation: `urn:li:organization:ID` or the id.
        #[serde(deserialize_with = "id_setting")]
        organization: String,
        /// The API's address (`https://api.linkedin.com/rest`).
        #[serde(default = "default_linkedin_api_base")]
        api_base: String,
        /// The `LinkedIn-Version` header (YYYYMM).
        #[serde(default = "default_linkedin_version")]
        version: String,
        /// The OAuth 2.0 token endpoint the tokens are refreshed at.
        #[serde(default = "default_linkedin_token_url")]
        token_url: String,
    },
    /// A TikTok account (OAuth 2.0 tokens of the account in [`Credentials`]):
    /// its videos in, photo and video posts out (private until TikTok
    /// audits the app).
    Tiktok {
        /// The API's address (`https://open.tiktokapis.com`).
        #[serde(default = "default_tiktok_api_base")]
        api_base: String,
        /// The OAuth 2.0 token endpoint the tokens are refreshed at.
        #[serde(default = "default_tiktok_token_url")]
        token_url: String,
        /// Whether TikTok has audited the workspace's app (until then it
        /// posts only privately, `SELF_ONLY`).
        #[serde(default)]
        audited: bool,
    },
    /// A Threads account (a Threads user token in [`Credentials`]).
    Threads {
        /// Threads API's address with its version.
        #[serde(default = "default_threads_base")]
        graph_base: String,
    },
}

/// A numeric id setting, given as a string or (`tend channel add --set
/// page_id=123` reads numbers as numbers) as a number.
fn id_setting<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Number(u64),
    }
    Ok(match Id::deserialize(d)? {
        Id::Text(s) => s,
        Id::Number(n) => n.to_string(),
    })
}

fn optional_id_setting<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    id_setting(d).map(Some)
}

fn default_graph_base() -> String {
    super::meta::DEFAULT_GRAPH_BASE.to_string()
}

fn default_threads_base() -> String {
    super::meta::DEFAULT_THREADS_BASE.to_string()
}

fn default_x_api_base() -> String {
    super::x::DEFAULT_API_BASE.to_string()
}

fn default_linkedin_api_base() -> String {
    super::linkedin::DEFAULT_API_BASE.to_string()
}

fn default_linkedin_version() -> String {
    super::linkedin::DEFAULT_VERSION.to_string()
}

fn default_linkedin_token_url() -> String {
    super::linkedin::DEFAULT_TOKEN_URL.to_string()
}

fn default_tiktok_api_base() -> String {
    super::tiktok::DEFAULT_API_BASE.to_string()
}

fn default_tiktok_token_url() -> String {
    super::tiktok::DEFAULT_TOKEN_URL.to_string()
}

fn default_x_token_url() -> String {
    super::x::DEFAULT_TOKEN_URL.to_string()
}

impl ChannelConfig {
    /// The platform the channel's messages belong to.
    pub fn kind(&self) -> ChannelKind {
        match self {
            ChannelConfig::Simulated { .. } => ChannelKind::Other,
            ChannelConfig::Mastodon { .. } => ChannelKind::Mastodon,
            ChannelConfig::Bluesky { .. } => ChannelKind::Bluesky,
            ChannelConfig::Email(_) => ChannelKind::Email,
            ChannelConfig::Matrix { .. } => ChannelKind::Matrix,
            ChannelConfig::Rss { .. } => ChannelKind::Rss,
            ChannelConfig::Discord { .. } => ChannelKind::Discord,
            ChannelConfig::Telegram { .. } => ChannelKind::Telegram,
            ChannelConfig::Discourse { .. } => ChannelKind::Discourse,
            ChannelConfig::Stackexchange { .. } => ChannelKind::Stackexchange,
            ChannelConfig::Reddit { .. } => ChannelKind::Reddit,
            ChannelConfig::Youtube { .. } => ChannelKind::Youtube,
            ChannelConfig::X { .. } => ChannelKind::X,
            ChannelConfig::Linkedin { .. } => ChannelKind::Linkedin,
            ChannelConfig::Tiktok { .. } => ChannelKind::Tiktok,
            ChannelConfig::Facebook { .. } => ChannelKind::Facebook,
            ChannelConfig::Instagram { .. } => ChannelKind::Instagram,
            ChannelConfig::Threads { .. } => ChannelKind::Threads,
        }
    }

    /// The network's stable name, as in the settings and the CLI.
    pub fn network(&self) -> &'static str {
        match self {
            ChannelConfig::Simulated { .. } => "simulated",
            ChannelConfig::Mastodon { .. } => "mastodon",
            ChannelConfig::Bluesky { .. } => "bluesky",
            ChannelConfig::Email(_) => "email",
            ChannelConfig::Matrix { .. } => "matrix",
            ChannelConfig::Rss { .. } => "rss",
            ChannelConfig::Discord { .. } => "discord",
            ChannelConfig::Telegram { .. } => "telegram",
            ChannelConfig::Discourse { .. } => "discourse",
            ChannelConfig::Stackexchange { .. } => "stackexchange",
            ChannelConfig::Reddit { .. } => "reddit",
            ChannelConfig::Youtube { .. } => "youtube",
            ChannelConfig::X { .. } => "x",
            ChannelConfig::Linkedin { .. } => "linkedin",
            ChannelConfig::Tiktok { .. } => "tiktok",
            ChannelConfig::Facebook { .. } => "facebook",
            ChannelConfig::Instagram { .. } => "instagram",
            ChannelConfig::Threads { .. } => "threads",
        }
    }

    /// How often a polled channel is read (streaming channels reconnect at
    /// once when a stream ends).
    pub fn poll_every(&self) -> Duration {
        match self {
            ChannelConfig::Simulated { every_secs } => Duration::from_secs((*every_secs).max(1)),
            // Mastodon streams; a poll only runs when the stream is down.
            // 300 requests per 5 minutes is the budget, so once a minute is cheap.
            ChannelConfig::Mastodon { .. } => Duration::from_secs(60),
            // Streams the firehose; a pull after a dropped stream.
            ChannelConfig::Bluesky { .. } => Duration::from_secs(30),
            // The mailbox streams with IDLE; a poll is the fallback.
            ChannelConfig::Email(_) => Duration::from_secs(60),
            // Matrix streams (the /sync long-poll); this is the pause after a
            // stream that failed.
            ChannelConfig::Matrix { .. } => Duration::from_secs(30),
            // Feeds change slowly, and a conditional GET makes a poll cheap.
            ChannelConfig::Rss { .. } => Duration::from_secs(15 * 60),
            // Streams the Gateway; a REST poll after a dropped session. Each
            // poll costs one request per channel (50 requests/s globally).
            ChannelConfig::Discord { .. } => Duration::from_secs(30),
            // Long-polls getUpdates; this is the pause after a failed stream.
            ChannelConfig::Telegram { .. } => Duration::from_secs(15),
            // A read costs two to a few requests; an admin API key may make
            // 60 a minute, a user API key 20.
            ChannelConfig::Discourse { .. } => Duration::from_secs(60),
            // A read costs three requests per tag at least, and the daily
            // quota is 10,000 with an app key (300 without): every 15
            // minutes is about 290 a day per tag.
            ChannelConfig::Stackexchange { .. } => Duration::from_secs(15 * 60),
            // Three listings per subreddit and one /api/info per poll, out
            // of 1,000 requests per 10 minutes.
            ChannelConfig::Reddit { .. } => Duration::from_secs(60),
            // A poll costs 1 unit per page of a 10,000-unit day.
            ChannelConfig::Youtube { .. } => Duration::from_secs(5 * 60),
            // The mentions timeline allows 450 requests per 15 minutes per
            // user (300 on lower tiers) and every read costs credits on the
            // pay-per-use tier: once a minute is enough for a brand.
            ChannelConfig::X { .. } => Duration::from_secs(60),
            // Daily call budgets: every read walks the page's newest posts.
            ChannelConfig::Linkedin { .. } => Duration::from_secs(300),
            // Only the account's own videos and their counts.
            ChannelConfig::Tiktok { .. } => Duration::from_secs(900),
            // A read costs a few Graph calls per post scanned; Meta's budget
            // is 200 calls per hour per user of the app (and the Page's
            // own business use-case budget): every two minutes keeps well
            // inside it.
            ChannelConfig::Facebook { .. } | ChannelConfig::Instagram { .. } => {
                Duration::from_secs(120)
            }
            // Threads' budget is 4,800 × impressions per 24 h (at least 10).
            ChannelConfig::Threads { .. } => Duration::from_secs(120),
        }
    }

    /// Checks the settings before anything is stored.
    pub fn validate(&self) -> Result<(), ChannelError> {
        match self {
            ChannelConfig::Simulated { every_secs } if *every_secs == 0 || *every_secs > 3600 => {
                Err(ChannelError::Permanent(
                    "every_secs must be between 1 and 3600".into(),
                ))
            }
            ChannelConfig::Simulated { .. } => Ok(()),
            ChannelConfig::Email(settings) => settings.validate(),
            ChannelConfig::Matrix { homeserver, rooms } => {
                super::matrix::validate(homeserver, rooms)
            }
            ChannelConfig::Rss { url } => super::rss::validate(url),
            ChannelConfig::Discourse {
                base_url,
                categories,
                tags,
            } => super::discourse::validate(base_url, categories, tags),
            ChannelConfig::Stackexchange { site, tags, api } => {
                super::stackexchange::validate(site, tags, api.as_deref())
            }
            ChannelConfig::Reddit {
                subreddits,
                user_agent,
                api,
                token_url,
            } => super::reddit::validate(
                subreddits,
                user_agent.as_deref(),
                api.as_deref(),
                token_url.as_deref(),
            ),
            ChannelConfig::Youtube {
                channel_id,
                api,
                token_url,
            } => super::youtube::validate(channel_id, api.as_deref(), token_url.as_deref()),
            ChannelConfig::X {
                api_base,
                user_id,
                token_url,
            } => {
                check_api_base("x.api_base", api_base)?;
                check_api_base("x.token_url", token_url)?;
                let digits = !user_id.is_empty()
                    && user_id.len() <= 32
                    && user_id.bytes().all(|b| b.is_ascii_digit());
                if digits {
                    Ok(())
                } else {
                    Err(ChannelError::Permanent(format!(
                        "x.user_id: {user_id:?} is not an X user id (digits only)"
                    )))
                }
            }
            ChannelConfig::Linkedin {
                organization,
                api_base,
                version,
                token_url,
            } => {
                check_api_base("linkedin.api_base", api_base)?;
                check_api_base("linkedin.token_url", token_url)?;
                super::linkedin::organization_urn(organization)?;
                super::linkedin::check_version(version)
            }
            ChannelConfig::Tiktok {
                api_base,
                token_url,
                audited: _,
            } => {
                check_api_base("tiktok.api_base", api_base)?;
                check_api_base("tiktok.token_url", token_url)
            }
            ChannelConfig::Facebook {
                page_id,
                graph_base,
            } => {
                check_api_base("facebook.graph_base", graph_base)?;
                check_graph_id("facebook.page_id", page_id)
            }
            ChannelConfig::Instagram {
                ig_user_id,
                page_id,
                graph_base,
            } => {
                check_api_base("instagram.graph_base", graph_base)?;
                check_graph_id("instagram.ig_user_id", ig_user_id)?;
                match page_id {
                    Some(p) => check_graph_id("instagram.page_id", p),
                    None => Ok(()),
                }
            }
            ChannelConfig::Threads { graph_base } => {
                check_api_base("threads.graph_base", graph_base)
            }
            ChannelConfig::Mastodon { instance, account } => {
                super::mastodon::instance_base(instance)?;
                let handle = account.as_deref().map(|a| a.trim().trim_start_matches('@'));
                let handle_ok = |h: &str| {
                    let mut parts = h.split('@');
                    let user = parts.next().unwrap_or_default();
                    let host = parts.next();
                    !user.is_empty()
                        && user.len() <= 64
                        && user.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        && parts.next().is_none()
                        && host.is_none_or(|h| {
                            !h.is_empty()
                                && h.len() <= 253
                                && h.chars()
                                    .all(|c| c.is_ascii_alphanumeric() || ".-:".contains(c))
                        })
                };
                match handle {
                    Some(h) if !handle_ok(h) => Err(ChannelError::Permanent(format!(
                        "Mastodon account {h:?}: expected a handle like brand or brand@mastodon.social"
                    ))),
                    _ => Ok(()),
                }
            }
            ChannelConfig::Discord {
                guild_id,
                channels,
                publish_channel,
                api_base,
                gateway,
            } => super::discord::validate(
                guild_id,
                channels,
                publish_channel.as_deref(),
                api_base.as_deref(),
                gateway.as_deref(),
            ),
            ChannelConfig::Telegram { chats, api_base } => {
                super::telegram::api_base(api_base.as_deref())?;
                super::telegram::chat_ids(chats).map(|_| ())
            }
            ChannelConfig::Bluesky {
                service,
                handle,
                firehose,
            } => {
                check_url("bluesky.service", service, &["https://", "http://"])?;
                if let Some(f) = firehose {
                    check_url(
                        "bluesky.firehose",
                        f,
                        &["wss://", "ws://", "https://", "http://"],
                    )?;
                }
                let valid_handle = handle.len() <= 253
                    && handle.contains('.')
                    && handle.split('.').all(|label| {
                        !label.is_empty()
                            && label.len() <= 63
                            && !label.starts_with('-')
                            && !label.ends_with('-')
                            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    });
                if valid_handle {
                    Ok(())
                } else {
                    Err(ChannelError::Permanent(format!(
                        "bluesky.handle: {handle:?} is not a handle (like brand.bsky.social)"
                    )))
                }
            }
        }
    }
}

/// Ids that are numbers on the network (Discord snowflakes, Telegram chat
/// ids) are kept as text, and read from text or a number: the CLI and the
/// Channels page read `--set guild_id=123` as a number. A list may also be
/// one comma-separated text.
mod ids {
    use serde::de::{self, Deserializer, SeqAccess, Visitor};
    use std::fmt;

    struct One;

    impl<'de> Visitor<'de> for One {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an id (text or a whole number)")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.trim().to_string())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
    }

    struct Id(String);

    impl<'de> serde::Deserialize<'de> for Id {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Id, D::Error> {
            d.deserialize_any(One).map(Id)
        }
    }

    pub(super) fn one<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        d.deserialize_any(One)
    }

    pub(super) fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Option::<Id>::deserialize(d).map(|o| o.map(|Id(s)| s))
    }

    struct List;

    impl<'de> Visitor<'de> for List {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of ids")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
            let mut out = Vec::new();
            while let Some(Id(id)) = seq.next_element()? {
                out.push(id);
            }
            Ok(out)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<String>, E> {
            Ok(v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Vec<String>, E> {
            Ok(vec![v.to_string()])
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Vec<String>, E> {
            Ok(vec![v.to_string()])
        }
    }

    pub(super) fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        d.deserialize_any(List)
    }

    use serde::Deserialize;
}

/// Checks that the setting `name` is a URL with one of `schemes` and a host.
fn check_url(name: &str, url: &str, schemes: &[&str]) -> Result<(), ChannelError> {
    let host = schemes.iter().find_map(|s| url.strip_prefix(s));
    match host {
        Some(rest)
            if !rest.is_empty()
                && !rest.starts_with('/')
                && !url.chars().any(|c| c.is_whitespace() || c.is_control())
                && !rest.contains(['?', '#', '@']) =>
        {
            Ok(())
        }
        _ => Err(ChannelError::Permanent(format!(
            "{name}: {url:?} is not a URL starting with {}",
            schemes.join(" or ")
        ))),
    }
}

/// Checks that the setting `name` is an `https://` address (plain `http://`
/// only on a loopback host: tests, a local proxy), since tokens go there.
fn check_api_base(name: &str, url: &str) -> Result<(), ChannelError> {
    check_url(name, url, &["https://", "http://"])?;
    if let Some(rest) = url.strip_prefix("http://") {
        let host = rest.split(['/', ':']).next().unwrap_or_default();
        let loopback = matches!(host, "127.0.0.1" | "localhost") || rest.starts_with("[::1]");
        if !loopback {
            return Err(ChannelError::Permanent(format!(
                "{name}: {url:?} must be an https:// address"
            )));
        }
    }
    Ok(())
}

/// Checks that the setting `name` is a Graph id (digits).
fn check_graph_id(name: &str, id: &str) -> Result<(), ChannelError> {
    if !id.is_empty() && id.len() <= 32 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ChannelError::Permanent(format!(
            "{name}: {id:?} is not a Meta id (digits only)"
        )))
    }
}

/// The secrets a channel is connected with. `Debug` never prints them; the
/// store keeps them encrypted.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Credentials {
    /// No secret (a public feed, the simulated network).
    None,
    /// A login and password: an app password (Bluesky), a mailbox login,
    /// a Matrix bot account.
    Password {
        /// The login (handle, e-mail address, user id).
        username: String,
        /// The password or app password.
        password: String,
    },
    /// A bearer token: a bot token, an API key, an access token made outside
    /// Tend.
    Token {
        /// The token.
        token: String,
    },
    /// Tokens from an OAuth 2.0 authorisation (with PKCE).
    OAuth {
        /// The access token.
        access_token: String,
        /// The refresh token, where the network issues one.
        refresh_token: Option<String>,
        /// When the access token expires, where it does.
        expires_at: Option<jiff::Timestamp>,
        /// The OAuth client the tokens were issued to.
        client_id: String,
        /// Its secret, where the network issued one.
        client_secret: Option<String>,
    },
    /// An OAuth client and an account's own login, traded for short-lived
    /// access tokens with the password grant (a Reddit "script" app).
    ClientLogin {
        /// The OAuth client id.
        client_id: String,
        /// The OAuth client secret.
        client_secret: String,
        /// The account's username.
        username: String,
        /// The account's password.
        password: String,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            Credentials::None => "None",
            Credentials::Password { .. } => "Password",
            Credentials::Token { .. } => "Token",
            Credentials::OAuth { .. } => "OAuth",
            Credentials::ClientLogin { .. } => "ClientLogin",
        };
        write!(f, "Credentials::{kind}(redacted)")
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
