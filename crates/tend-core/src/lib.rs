//! Tend's use cases: the operations the CLI, the HTTP API and background jobs
//! share, composed from the domain and the store. Each module is one concern.
//!
//! `accounts`, `access` (sessions and API tokens), `channels` (live channels:
//! connecting, reading, sending exactly once), `conversations` (working the
//! inbox), `ingest`, `listening` and `moderation` (live rules on the event log, dry
//! runs) exist; publishing and analytics arrive with their issues. The generated
//! demo workspace is not a use case and lives in the `tend-demo` crate.

pub mod access;
pub mod accounts;
pub mod channels;
pub mod conversations;
pub mod http;
pub mod ingest;
pub mod jobs;
pub mod listening;
pub mod moderation;
pub mod team;
pub mod text;
