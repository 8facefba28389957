//! The JSON API: the same operations as the pages, for scripts (with an API token)
//! and our own JavaScript (with the session cookie and the CSRF header). One module
//! per resource.

pub mod conversations;
pub mod inbox;
pub mod me;
pub mod tokens;
