//! Tags: labels a team puts on conversations (themes, campaigns).

use crate::{TagId, ValidationError, WorkspaceId};
use serde::{Deserialize, Serialize};

/// A tag as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tag {
    /// Its id.
    pub id: TagId,
    /// Its workspace.
    pub workspace_id: WorkspaceId,
    /// The name, unique (case-insensitively) within the workspace.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub name: TagName,
}

/// A tag name: 1–64 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TagName(String);

impl TagName {
    /// Validates and trims a tag name.
    pub fn parse(s: impl AsRef<str>) -> Result<TagName, ValidationError> {
        let s = s.as_ref().trim();
        let n = s.chars().count();
        if n == 0 || n > 64 || s.chars().any(char::is_control) {
            return Err(ValidationError::new(
                "tag",
                "must be 1-64 characters without control characters",
            ));
        }
        Ok(TagName(s.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TagName {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        TagName::parse(s)
    }
}

impl From<TagName> for String {
    fn from(t: TagName) -> String {
        t.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn tag_names_are_trimmed_and_bounded() {
        assert_eq!(TagName::parse("  launch ").unwrap().as_str(), "launch");
        assert!(TagName::parse("   ").is_err());
        assert!(TagName::parse("a\nb").is_err());
        assert!(TagName::parse("å".repeat(64)).is_ok());
        assert!(TagName::parse("å".repeat(65)).is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_accepted_names_are_trimmed(s in ".*") {
            if let Ok(t) = TagName::parse(&s) {
                prop_assert_eq!(t.as_str(), t.as_str().trim());
                prop_assert!(!t.as_str().is_empty());
            }
        }
    }
}
