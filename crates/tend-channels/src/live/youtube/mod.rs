//! YouTube (placeholder while the connector is written).

use super::{
    AccountInfo, ChannelError, Connector, Credentials, Cursor, More, Outgoing, Publisher,
    RemoteRef, Sink, Source, Window,
};
use async_trait::async_trait;

/// Checks the settings.
pub fn validate(
    _channel_id: &str,
    _api: Option<&str>,
    _token_url: Option<&str>,
) -> Result<(), ChannelError> {
    Ok(())
}

/// The connector.
pub struct Youtube;

impl Youtube {
    /// The connector.
    pub fn new(
        _channel_id: &str,
        _api: Option<&str>,
        _token_url: Option<&str>,
        _credentials: &Credentials,
    ) -> Result<Youtube, ChannelError> {
        Err(ChannelError::Permanent("not yet".into()))
    }
}

#[async_trait]
impl Source for Youtube {
    async fn pull(
        &self,
        _since: Option<&Cursor>,
        _window: &Window,
        _sink: &mut dyn Sink,
    ) -> Result<More, ChannelError> {
        Ok(More::No)
    }
}

#[async_trait]
impl Publisher for Youtube {
    async fn publish(&self, _post: &Outgoing) -> Result<RemoteRef, ChannelError> {
        Err(ChannelError::Permanent("not yet".into()))
    }
    async fn lookup(&self, _post: &Outgoing) -> Result<Option<RemoteRef>, ChannelError> {
        Ok(None)
    }
    async fn delete(&self, _item: &RemoteRef) -> Result<(), ChannelError> {
        Ok(())
    }
}

#[async_trait]
impl Connector for Youtube {
    async fn verify(&self) -> Result<AccountInfo, ChannelError> {
        Ok(AccountInfo::default())
    }
}
