//! Text understanding for Tend: a text goes in, every signal Tend uses comes out.
//!
//! This crate has no application dependencies (no storage, no HTTP, no runtime):
//! it is pure functions plus a few long-lived models loaded from data embedded in
//! the binary. Each signal lives in its own module; `analyze` composes them.

pub mod analyze;
pub mod data;
pub mod entities;
pub mod language;
pub mod length;
pub mod question;
pub mod sentiment;
pub mod spam;
pub mod toxicity;
