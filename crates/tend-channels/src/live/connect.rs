//! [`connect`]: the connector for a channel's settings and credentials, one
//! arm per network.

use super::config::{ChannelConfig, Credentials};
use super::{ChannelError, Connector};

/// The connector for `config`, signed in with `credentials`.
pub fn connect(
    config: &ChannelConfig,
    credentials: &Credentials,
) -> Result<Box<dyn Connector>, ChannelError> {
    match config {
        ChannelConfig::Simulated { every_secs } => {
            let _ = credentials;
            Ok(Box::new(super::simulated::Simulated::new(*every_secs)))
        }
        ChannelConfig::Matrix { homeserver, rooms } => Ok(Box::new(super::matrix::Matrix::new(
            homeserver,
            rooms,
            credentials,
        )?)),
        ChannelConfig::Rss { url } => {
            let _ = credentials;
            Ok(Box::new(super::rss::Rss::new(url)?))
        }
        ChannelConfig::Email(settings) => {
            match credentials {
                Credentials::Password { username, password } => Ok(Box::new(
                    super::email::Email::new(settings.clone(), username, password)?,
                )),
                _ => Err(ChannelError::Permanent(
                    "e-mail needs Password credentials (the mailbox login)".into(),
                )),
            }
        }
        ChannelConfig::Mastodon { instance, account } => {
            config.validate()?;
            Ok(Box::new(super::mastodon::Mastodon::new(
                instance,
                account.as_deref(),
                credentials,
            )?))
        }
        ChannelConfig::Discord {
            guild_id,
            channels,
            publish_channel,
            api_base,
            gateway,
        } => {
            config.validate()?;
            Ok(Box::new(super::discord::Discord::new(
                super::discord::Settings {
                    guild_id,
                    channels,
                    publish_channel: publish_channel.as_deref(),
                    api_base: api_base.as_deref(),
                    gateway: gateway.as_deref(),
                },
                credentials,
            )?))
        }
        ChannelConfig::Telegram { chats, api_base } => Ok(Box::new(
            super::telegram::Telegram::new(api_base.as_deref(), chats, credentials)?,
        )),
        ChannelConfig::Discourse {
            base_url,
            categories,
            tags,
        } => Ok(Box::new(super::discourse::Discourse::new(
            base_url,
            categories,
            tags,
            credentials,
        )?)),
        ChannelConfig::Stackexchange { site, tags, api } => Ok(Box::new(
            super::stackexchange::StackExchange::new(site, tags, api.as_deref(), credentials)?,
        )),
        ChannelConfig::X {
            api_base,
            user_id,
            token_url,
        } => {
            config.validate()?;
            Ok(Box::new(super::x::X::new(
                api_base,
                user_id,
                token_url,
                credentials,
            )?))
        }
        ChannelConfig::Linkedin {
            organization,
            api_base,
            version,
            token_url,
        } => {
            config.validate()?;
            Ok(Box::new(super::linkedin::Linkedin::new(
                api_base,
                organization,
                version,
                token_url,
                credentials,
            )?))
        }
        ChannelConfig::Tiktok {
            api_base,
            token_url,
            audited,
        } => {
            config.validate()?;
            Ok(Box::new(super::tiktok::Tiktok::new(
                api_base,
                token_url,
                *audited,
                credentials,
            )?))
        }
        ChannelConfig::Facebook {
            page_id,
            graph_base,
        } => {
            config.validate()?;
            Ok(Box::new(super::meta::facebook::Facebook::new(
                graph_base,
                page_id,
                credentials,
            )?))
        }
        ChannelConfig::Instagram {
            ig_user_id,
            page_id,
            graph_base,
        } => {
            config.validate()?;
            Ok(Box::new(super::meta::instagram::Instagram::new(
                graph_base,
                ig_user_id,
                page_id.as_deref(),
                credentials,
            )?))
        }
        ChannelConfig::Threads { graph_base } => {
            config.validate()?;
            Ok(Box::new(super::meta::threads::Threads::new(
                graph_base,
                credentials,
            )?))
        }
        ChannelConfig::Bluesky {
            service, firehose, ..
        } => {
            config.validate()?;
            let Credentials::Password { username, password } = credentials else {
                return Err(ChannelError::Permanent(
                    "bluesky: sign in with the handle and an app password".into(),
                ));
            };
            Ok(Box::new(super::bluesky::Bluesky::new(
                service,
                firehose.as_deref(),
                username,
                password,
            )?))
        }
        ChannelConfig::Reddit {
            subreddits,
            user_agent,
            api,
            token_url,
        } => Ok(Box::new(super::reddit::Reddit::new(
            subreddits,
            user_agent.as_deref(),
            api.as_deref(),
            token_url.as_deref(),
            credentials,
        )?)),
        ChannelConfig::Youtube {
            channel_id,
            api,
            token_url,
        } => Ok(Box::new(super::youtube::Youtube::new(
            channel_id,
            api.as_deref(),
            token_url.as_deref(),
            credentials,
        )?)),
    }
}
