//! The review queue in a real browser: rules go live, new messages come in through
//! the importer and the moderation consumer flags two of them; the moderator logs
//! in, moves with j, selects with x and approves with a (the bulk form, by our
//! script), and the item leaves the open list. Then a dry run on the rules page.

use crate::cdp::{Chromium, Screenshots, chromium_path};
use crate::flow::assert_clean;
use crate::helpers::{PASSWORD, spawn_app};
use crate::seed::{self, ADMIN};
use tend_core::moderation::Moderator;
use tend_domain::ReviewStatus;

const RULES: &str = "# Refund talk goes to the team\n\
body (includes-word): [refund]\n\
action: filter\n\
action_reason: \"refund: {{match}}\"\n\
---\n\
# Broken exports\n\
body (includes-word): [broken]\n\
action: filter\n\
action_reason: \"bug report\"\n";

#[tokio::test]
async fn review_queue_keyboard_approve_and_dry_run() {
    let test = "review";
    let Some(chromium) = chromium_path(test) else {
        return;
    };
    let app = spawn_app().await;
    let team = seed::team(&app).await;
    let store = &*app.store;
    let v1 = store
        .create_rule_set(team.acme.id, RULES, Some(team.admin.id))
        .await
        .unwrap();
    store
        .make_live(team.acme.id, v1.id, Some(team.admin.id))
        .await
        .unwrap();
    seed::inbox(&app, &team.acme).await;
    let moderator = Moderator::default();
    while moderator.run_once(store).await.unwrap() > 0 {}
    let open = store
        .review_queue(team.acme.id, true, None, 10)
        .await
        .unwrap();
    assert_eq!(
        open.len(),
        2,
        "the refund and the broken export were flagged"
    );

    let mut browser = Chromium::launch(&chromium).await;
    let mut page = browser.page("en-GB,en", Screenshots::for_test(test)).await;
    page.goto(&app.url("/w/acme/review")).await;
    assert!(
        page.url().await.contains("/login?next="),
        "{}",
        page.url().await
    );
    page.type_into("input[name=email]", ADMIN).await;
    page.type_into("input[name=password]", PASSWORD).await;
    page.navigating(async |p| p.click(".login button").await)
        .await;
    assert_eq!(page.url().await, app.url("/w/acme/review"));
    assert_eq!(page.count(".rows .row").await, 2);
    let text = page.text().await;
    assert!(
        text.contains("Refund talk goes to the team · v1 · rule 1"),
        "{text}"
    );
    assert!(text.contains("Reason: refund: refund"), "{text}");
    assert_eq!(page.text_of(".nav-review .count").await, "2");
    page.screenshot("01-review").await;

    // j moves to the first row, x selects it, a approves it.
    page.press("j").await;
    page.wait_for(".rows .row.current").await;
    let first = page
        .eval("document.querySelector('.rows .row.current').dataset.id")
        .await;
    let first: i64 = first.as_str().unwrap().parse().unwrap();
    page.press("x").await;
    assert_eq!(
        page.eval("document.querySelector('.rows .row.current input[type=checkbox]').checked")
            .await,
        true
    );
    page.navigating(async |p| p.press("a").await).await;
    assert_eq!(page.url().await, app.url("/w/acme/review"));
    assert_eq!(
        page.count(".rows .row").await,
        1,
        "the approved item left the list"
    );
    assert_eq!(page.text_of(".nav-review .count").await, "1");
    let item = store
        .review_item(team.acme.id, tend_domain::ReviewId(first))
        .await
        .unwrap();
    assert_eq!(item.status, ReviewStatus::Approved);
    assert_eq!(item.decided_by, Some(team.admin.id));
    page.screenshot("02-after-approve").await;

    // The rules page: the live YAML in the editor; a dry run over 30 days.
    page.goto(&app.url("/w/acme/rules")).await;
    assert_eq!(
        page.eval("document.getElementById('rules-source').value")
            .await,
        RULES
    );
    page.navigating(async |p| p.click("#rules-dry-run").await)
        .await;
    page.wait_for("#dry-run").await;
    let table = page.text_of("#dry-run").await;
    assert!(table.contains("2 of 4 messages matched"), "{table}");
    assert!(table.contains("Refund talk goes to the team"), "{table}");
    assert!(table.contains("where is my refund?"), "{table}");
    page.screenshot("03-dry-run").await;

    assert_clean(&mut page).await;
    browser.close().await;
}
