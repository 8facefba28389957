//! The demo's listening topics: the brand, two products, the competitor, the
//! campaign hashtag and outage talk, so the dashboards have something to show and
//! the planted outage spike has a topic to be found in.

use tend_core::listening::{ListenError, Listener, create_topic};
use tend_domain::{NewTopic, TopicRole, WorkspaceId};
use tend_store::prelude::*;

/// Name, role and query of each demo topic.
pub const TOPICS: [(&str, TopicRole, &str); 6] = [
    (
        "Lumora",
        TopicRole::Brand,
        "lumora OR @lumora OR @lumora@social.example OR #lumora OR site:lumora.com",
    ),
    (
        "Lumora Hub",
        TopicRole::Product,
        "\"lumora hub\" OR #lumorahub OR (hub NEAR/3 lumora)",
    ),
    (
        "Lumora Glow",
        TopicRole::Product,
        "\"lumora glow\" OR #lumoraglow OR (glow NEAR/3 (lumora OR bulb*))",
    ),
    (
        "Glimmr",
        TopicRole::Competitor,
        "glimmr OR #glimmr OR @glimmr",
    ),
    (
        "#LumoraNights",
        TopicRole::Campaign,
        "#lumoranights OR \"lumora nights\"",
    ),
    (
        "Outage talk",
        TopicRole::Other,
        // "down" only near what can be down: Stack Exchange's "vote down" is not an outage.
        "(offline OR outage OR \"no connection\" OR \"not working\" \
         OR (down NEAR/2 (lumora OR app OR server* OR service OR hub))) NOT author:lumora",
    ),
];

/// Creates the demo topics that do not exist yet and matches them over the
/// history (the backfill), so the dashboards are filled when the demo starts.
pub async fn install_topics(store: &dyn Store, workspace: WorkspaceId) -> Result<(), ListenError> {
    let have = store.topics(workspace).await?;
    for (name, role, query) in TOPICS {
        if have.iter().any(|t| t.name == name) {
            continue;
        }
        let new = NewTopic {
            name: name.to_owned(),
            query: query.to_owned(),
            role,
        };
        create_topic(store, workspace, &new, None).await?;
    }
    Listener::default().catch_up(store).await
}
