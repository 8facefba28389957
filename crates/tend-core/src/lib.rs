//! Tend's use cases: the operations the CLI, the HTTP API and background jobs
//! share, composed from the domain and the store. Each module is one concern.
//!
//! `accounts`, `ingest` and `demo` (the generated demo workspace) exist;
//! moderation, publishing and analytics arrive with their issues.

pub mod accounts;
pub mod demo;
pub mod ingest;
