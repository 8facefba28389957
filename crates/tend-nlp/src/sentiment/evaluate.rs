//! Evaluation (stub).
use std::path::Path;
use crate::eval::{EvalError, Table};
/// Evaluates.
pub fn evaluate(_root: &Path) -> Result<Vec<Table>, EvalError> { Ok(Vec::new()) }
