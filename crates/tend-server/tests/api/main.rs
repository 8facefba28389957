//! HTTP integration tests: the app is started on port 0 and spoken to over real HTTP.
//! The `mod` list is the table of contents.

mod health;
mod helpers;
