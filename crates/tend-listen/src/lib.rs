//! Listening: follow the brand, its products, competitors and campaign hashtags across
//! every channel. A *topic* is a named query in a Boolean language at least as expressive
//! as Brandwatch's core; a [`TopicSet`] compiles many topics and tells, per message,
//! which ones it matches.
//!
//! ```
//! use tend_listen::{Document, TopicSet};
//!
//! let topics = TopicSet::compile(&[
//!     (1, r#"lumora OR #lumoranights OR "lumora hub""#),
//!     (2, "glimmr NEAR/3 (cheaper OR price*) NOT channel:ads"),
//! ])
//! .map_err(|(index, error)| error.to_string())?;
//! let doc = Document {
//!     text: "Glimmr is way cheaper than the Lumora Hub",
//!     channel: "reddit",
//!     ..Document::default()
//! };
//! assert_eq!(topics.matches(&doc), [0, 1]);
//! # Ok::<(), String>(())
//! ```
//!
//! The language is described for users in `docs/query-language.md`; `query` holds the
//! tree, parser and printer, `fold` and `tokens` turn text into comparable words,
//! `document` is the message side, `compile` and `matcher` are the fast path and
//! `reference` the slow, obvious definition the fast path is tested against.
//!
//! Over the matches: `spike` raises alerts on a topic's hourly counts (unusual volume,
//! negative surges; `docs/spike-alerts.md`) and `trend` finds the terms, hashtags or
//! authors that are trending (Dunning's G² between two periods).

mod compile;
mod document;
mod error;
pub mod fold;
mod matcher;
pub mod query;
mod reference;
pub mod spike;
mod tokens;
pub mod trend;

pub use compile::TopicSet;
pub use document::{Document, PreparedForBench, Sentiment};
pub use error::QueryError;
pub use query::{Field, ParseOptions, Query, Term, TermKind};

/// A named topic: what a listening dashboard follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    /// The name shown on dashboards ("Lumora Hub", "Competitor: Glimmr").
    pub name: String,
    /// The parsed query.
    pub query: Query,
}

impl Topic {
    /// Parses `query` into a topic called `name`.
    pub fn parse(name: impl Into<String>, query: &str) -> Result<Topic, QueryError> {
        Ok(Topic {
            name: name.into(),
            query: Query::parse(query)?,
        })
    }
}
