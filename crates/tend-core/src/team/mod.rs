//! The team capability: who belongs to a workspace with which role, and what each
//! role may do ([`permissions`], the one table every use case asks), and a
//! teammate's own API tokens and language ([`tokens`]).

pub mod permissions;
pub mod tokens;

pub use permissions::{Actor, Forbidden, Permission, Who};
