//! Moderation through HTTP: the review queue (`review`: page and API decisions per
//! row and in bulk), the rules (`rules`: page and API, parse errors, dry run, going
//! live, webhook deliveries), the public guidelines (`guidelines`), the role matrix
//! and workspace isolation (`access`). This file holds the shared seed.

mod access;
mod guidelines;
mod review;
mod rules;

use crate::helpers::*;
use tend_domain::*;

/// The rules of the seed: the name (the comment) is hostile on purpose.
pub const RULES: &str = "# <script>alert('rule')</script> refunds\n\
body (includes-word): [refund]\n\
action: filter\n\
action_reason: \"refund\"\n";

/// Review items in the seed: Acme's m1 (reason with an `<img>`), m3 (escalated)
/// and m2 (plain), and one of Globex.
pub struct Queue {
    pub acme_rules: RuleSetVersion,
    pub globex_rules: RuleSetVersion,
    /// Acme's open items, in queue order.
    pub items: Vec<ReviewItem>,
    pub globex_item: ReviewId,
}

fn verdict(
    v: &RuleSetVersion,
    message: MessageId,
    reason: &str,
    escalate: bool,
) -> ModerationVerdict {
    ModerationVerdict {
        message_id: message,
        rule_set: v.id,
        version: v.version,
        rule_index: 0,
        rule_name: "<script>alert('rule')</script> refunds".into(),
        unrepeatable_hash: None,
        state: None,
        flag: Some(reason.into()),
        escalate,
        log: Vec::new(),
        webhooks: Vec::new(),
    }
}

pub async fn queue(app: &TestApp, s: &Seed) -> Queue {
    let store = &*app.store;
    let admin = s.user(Role::Admin).id;
    let acme_rules = store
        .create_rule_set(s.acme.id, RULES, Some(admin))
        .await
        .unwrap();
    let acme_rules = store
        .make_live(s.acme.id, acme_rules.id, Some(admin))
        .await
        .unwrap();
    store
        .record_verdicts(
            s.acme.id,
            &[
                verdict(
                    &acme_rules,
                    s.m[0],
                    "<img src=x onerror=alert(3)> refund",
                    false,
                ),
                verdict(&acme_rules, s.m[1], "refund", false),
                verdict(&acme_rules, s.m[2], "rude", true),
            ],
            &[],
            None,
        )
        .await
        .unwrap();
    let globex_rules = store
        .create_rule_set(s.globex.id, RULES, Some(s.globex_admin.id))
        .await
        .unwrap();
    store
        .make_live(s.globex.id, globex_rules.id, None)
        .await
        .unwrap();
    store
        .record_verdicts(
            s.globex.id,
            &[verdict(&globex_rules, s.globex_message, "refund", false)],
            &[],
            None,
        )
        .await
        .unwrap();
    let items = store.review_queue(s.acme.id, true, None, 50).await.unwrap();
    let globex_item = store
        .review_queue(s.globex.id, true, None, 50)
        .await
        .unwrap()[0]
        .id;
    Queue {
        acme_rules,
        globex_rules,
        items,
        globex_item,
    }
}
