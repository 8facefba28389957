//! The one error type of every connector.

use std::time::Duration;

/// Why a network call failed, as the runner needs to know it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    /// The network asks us to wait: nothing was done; try again after
    /// `retry_after`.
    #[error("rate limited by the network; retry in {}s", retry_after.as_secs())]
    RateLimited {
        /// How long to wait.
        retry_after: Duration,
    },
    /// The credentials were refused or have expired: an admin must reconnect.
    #[error("the network refused the credentials: {0}")]
    Unauthorized(String),
    /// A failure that may pass (timeout, connection reset, 5xx). For a
    /// publish the outcome is then *unknown*: the request may have arrived.
    #[error("temporary failure: {0}")]
    Transient(String),
    /// The network refused the request for good (invalid, too long, gone).
    #[error("refused by the network: {0}")]
    Permanent(String),
}

impl ChannelError {
    /// Whether waiting and trying again can help.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ChannelError::RateLimited { .. } | ChannelError::Transient(_)
        )
    }
}
