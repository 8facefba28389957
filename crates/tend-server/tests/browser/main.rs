//! Browser tests: the real server on port 0, driven through Debian's Chromium
//! (headless, over the DevTools protocol) as a person would use it. The browser is
//! `TEND_CHROMIUM` (set by `scripts/test.sh`); without it the tests are skipped
//! with a message, unless `TEND_REQUIRE_BROWSER` is set. Screenshots of each step
//! are saved under `<target dir>/screenshots/<test>/`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod cdp;
mod channels;
mod flow;
#[path = "../api/helpers.rs"]
#[allow(dead_code)] // shared with the HTTP tests, which use all of it
mod helpers;
mod listening;
mod review;
mod seed;
mod xss;
