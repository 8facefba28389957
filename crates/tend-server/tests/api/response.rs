//! First response against the workspace's target (office hours, 1 h), in business
//! time: answered conversations say how fast, unanswered ones how long they have
//! waited, and overdue ones are marked.

use crate::helpers::*;
use jiff::Timestamp;
use tend_domain::{Direction, MessageKind, NewMessage, Role};

#[tokio::test]
async fn inbox_rows_show_first_response_and_mark_overdue_conversations() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let t = |s: &str| s.parse::<Timestamp>().unwrap();
    // Monday 16 November 2026, 10:00 in Stockholm (09:00 UTC), within office hours.
    let asked = t("2026-11-16T09:00:00Z");
    let mut answered = NewMessage::new(
        s.x.id,
        "fr-1",
        MessageKind::Mention,
        "answered quickly?",
        asked,
    );
    answered.direction = Direction::Inbound;
    let mut reply = NewMessage::new(
        s.x.id,
        "fr-2",
        MessageKind::Reply,
        "here you go",
        t("2026-11-16T09:40:00Z"),
    );
    reply.direction = Direction::Outbound;
    reply.parent_external_id = Some("fr-1".into());
    let waiting = NewMessage::new(
        s.x.id,
        "fr-3",
        MessageKind::Mention,
        "still nobody answers",
        asked,
    );
    app.store
        .upsert_messages(s.acme.id, &[answered, reply, waiting])
        .await
        .unwrap();

    let b = app.browser(&Seed::email(Role::CommunityManager)).await;
    let html = app
        .get("/w/acme/inbox?status=all", &b)
        .await
        .text()
        .await
        .unwrap();
    let row = |text: &str| {
        let at = html
            .find(text)
            .unwrap_or_else(|| panic!("{text} not in the page"));
        let start = html[..at].rfind("<li class=\"row\"").unwrap();
        let end = at + html[at..].find("</li>").unwrap();
        html[start..end].to_owned()
    };
    let quick = row("answered quickly?");
    assert!(quick.contains("Answered in 40 min"), "{quick}");
    assert!(!quick.contains("overdue"), "{quick}");
    // The reply belongs to the same conversation and shows the same time.
    assert!(row("here you go").contains("Answered in 40 min"));
    // Unanswered since then: far past the 1 h target by now.
    let slow = row("still nobody answers");
    assert!(slow.contains("Waiting "), "{slow}");
    assert!(slow.contains("badge response overdue"), "{slow}");
}
