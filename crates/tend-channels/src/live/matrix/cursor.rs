//! The Matrix cursor: the `/sync` `next_batch` token where reading goes on,
//! and, while a backfill runs, each room's `/messages` token going back
//! (a backfill cut by `max_pages` continues from there). Stored as JSON.

use crate::live::{ChannelError, Cursor};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where reading stopped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct State {
    /// The `next_batch` of the last sync read.
    pub since: String,
    /// Rooms whose backfill is not finished: the token to read back from.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub back: BTreeMap<String, String>,
}

impl State {
    /// Reads a cursor this module wrote, naming what is wrong otherwise.
    pub fn read(cursor: &Cursor) -> Result<State, ChannelError> {
        let state: State = serde_json::from_str(&cursor.0)
            .map_err(|e| ChannelError::Permanent(format!("Matrix cursor: unreadable: {e}")))?;
        if state.since.is_empty() {
            return Err(ChannelError::Permanent(
                "Matrix cursor: the sync token is empty".into(),
            ));
        }
        Ok(state)
    }

    /// The cursor for this state.
    pub fn cursor(&self) -> Cursor {
        // A struct of strings always serializes.
        Cursor(serde_json::to_string(self).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_bad_ones_are_named() {
        let mut s = State {
            since: "s72_4_0".into(),
            ..State::default()
        };
        s.back.insert("!r:hs".into(), "t9-8".into());
        assert_eq!(State::read(&s.cursor()).unwrap(), s);
        let e = State::read(&Cursor("s1_2".into())).unwrap_err();
        assert!(e.to_string().contains("Matrix cursor"), "{e}");
        assert!(State::read(&Cursor(r#"{"since":""}"#.into())).is_err());
    }
}
