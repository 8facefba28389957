//! The daily flow in a real browser, in English and in Swedish: log in → inbox →
//! filter → open (keyboard) → tag → internal note with an @mention → reply →
//! done, with a full-page screenshot at each main step.

use crate::cdp::{Chromium, Page, Screenshots, chromium_path};
use crate::helpers::{PASSWORD, spawn_app};
use crate::seed::{self, ADMIN};

/// What the flow expects to read on screen in one language.
struct Ui {
    test: &'static str,
    /// The browser's `Accept-Language` (what the login page is shown in).
    accept_language: &'static str,
    /// Switch the user's language to this with the header button after logging in.
    switch_to: Option<&'static str>,
    lang: &'static str,
    login_title: &'static str,
    inbox: &'static str,
    open: &'static str,
    done: &'static str,
    filter: &'static str,
    channel: &'static str,
    tags: &'static str,
    notes: &'static str,
    replies: &'static str,
    queued: &'static str,
    history_tagged: &'static str,
    showing_two: &'static str,
    month: &'static str,
    author_line: &'static str,
}

const ENGLISH: Ui = Ui {
    test: "flow_en",
    accept_language: "en-GB,en",
    switch_to: None,
    lang: "en",
    login_title: "Log in to Tend",
    inbox: "Inbox",
    open: "Open",
    done: "Done",
    filter: "Filter",
    channel: "Channel",
    tags: "Tags",
    notes: "Internal notes",
    replies: "Replies",
    queued: "queued",
    history_tagged: "tagged export",
    showing_two: "Showing 2 conversations",
    month: "Nov",
    author_line: "Mastodon · 1,234 followers",
};

const SWEDISH: Ui = Ui {
    test: "flow_sv",
    accept_language: "sv-SE,sv",
    switch_to: Some("sv"),
    lang: "sv",
    login_title: "Logga in i Tend",
    inbox: "Inkorg",
    open: "Öppen",
    done: "Klar",
    filter: "Filtrera",
    channel: "Kanal",
    tags: "Taggar",
    notes: "Interna anteckningar",
    replies: "Svar",
    queued: "i kö",
    history_tagged: "taggade export",
    showing_two: "Visar 2 konversationer",
    month: "nov.",
    author_line: "Mastodon · 1\u{a0}234 följare",
};

#[tokio::test]
async fn flow_en() {
    flow(&ENGLISH).await;
}

#[tokio::test]
async fn flow_sv() {
    flow(&SWEDISH).await;
}

async fn flow(ui: &Ui) {
    let Some(chromium) = chromium_path(ui.test) else {
        return;
    };
    let app = spawn_app().await;
    let team = seed::team(&app).await;
    let inbox = seed::inbox(&app, &team.acme).await;
    let target = inbox.export_question;
    let mut browser = Chromium::launch(&chromium).await;
    let shots = Screenshots::for_test(ui.test);
    let mut page = browser.page(ui.accept_language, shots).await;

    // --- Log in: a signed-out visit to the inbox lands on the login page, in the
    // browser's language, and comes back to the inbox afterwards.
    page.goto(&app.url("/w/acme/inbox")).await;
    assert!(
        page.url().await.contains("/login?next=%2Fw%2Facme%2Finbox"),
        "{}",
        page.url().await
    );
    assert_eq!(page.text_of("h1").await, ui.login_title);
    assert_eq!(html_lang(&mut page).await, ui.lang);
    page.screenshot("01-login").await;
    page.type_into("input[name=email]", ADMIN).await;
    page.type_into("input[name=password]", PASSWORD).await;
    page.navigating(async |p| p.click(".login button").await)
        .await;
    assert_eq!(page.url().await, app.url("/w/acme/inbox"));

    // --- The user's language: switched with the button in the header, which
    // comes back to the same page.
    if let Some(code) = ui.switch_to {
        assert_eq!(html_lang(&mut page).await, "en");
        page.navigating(async |p| {
            p.click(&format!("header.top button[name=locale][value={code}]"))
                .await
        })
        .await;
        assert_eq!(page.url().await, app.url("/w/acme/inbox"));
        let user = app.store.user(team.admin.id).await.unwrap();
        assert_eq!(user.locale, code, "the choice is saved for the user");
    }
    assert_eq!(html_lang(&mut page).await, ui.lang);
    assert_eq!(
        page.text_of("header.top > a[href$='/inbox']").await,
        ui.inbox
    );
    let open_tab = page.text_of(".tabs a[aria-current]").await;
    assert_eq!(
        open_tab,
        format!("{} 4", ui.open),
        "four open conversations"
    );
    assert_eq!(page.count(".rows .row").await, 4);
    page.screenshot("02-inbox").await;

    // --- Filter by channel with the filter form; the filter is in the URL.
    assert_eq!(
        page.text_of("select[name=channel] option:first-child")
            .await,
        ui.channel
    );
    assert_eq!(page.text_of(".filters button").await, ui.filter);
    page.select_option("select[name=channel]", "Mastodon").await;
    page.navigating(async |p| p.click(".filters button").await)
        .await;
    let url = page.url().await;
    assert!(
        url.contains(&format!("channel={}", inbox.mastodon.id)),
        "the filter is in the URL: {url}"
    );
    assert_eq!(page.count(".rows .row").await, 2);
    assert_eq!(page.text_of(".hint").await, ui.showing_two);
    let channels = page
        .eval("Array.from(document.querySelectorAll('.rows .row .meta')).map(m => m.innerText)")
        .await;
    for meta in channels.as_array().unwrap() {
        let meta = meta.as_str().unwrap();
        assert!(meta.contains("Mastodon"), "only Mastodon rows: {meta}");
        assert!(
            meta.contains(ui.month),
            "dates in the user's language: {meta}"
        );
    }
    assert_eq!(
        page.eval("document.querySelector('select[name=channel]').selectedOptions[0].text")
            .await,
        "Mastodon",
        "the form shows the filter in use"
    );
    page.screenshot("03-filtered").await;

    // --- Keyboard (our script, allowed by the CSP): j selects the first row, o opens it.
    page.press("j").await;
    page.wait_for(".rows .row.current").await;
    assert_eq!(
        page.eval("document.querySelector('.rows .row.current').dataset.id")
            .await,
        target.to_string(),
        "the newest Mastodon post comes first"
    );
    page.navigating(async |p| p.press("o").await).await;
    assert_eq!(page.url().await, app.url(&format!("/w/acme/c/{target}")));
    assert!(page.text().await.contains("Is the CSV export broken"));
    let author = page.text_of(".author").await;
    assert!(
        author.contains("Ana Berg") && author.contains(ui.author_line),
        "{author}"
    );
    page.screenshot("04-conversation").await;

    // --- Tag: t focuses the tag field, Enter submits it.
    page.press("t").await;
    page.wait_until("document.activeElement && document.activeElement.id === 'tag-input'")
        .await;
    page.type_text("export").await;
    page.navigating(async |p| p.press("Enter").await).await;
    assert_eq!(page.text_of(".side h3").await, ui.tags);
    assert_eq!(
        page.text_of(".tags").await.trim_end_matches('×').trim(),
        "export"
    );

    // --- An internal note that mentions Sam.
    let note = "@sam can you check the export limit?";
    page.type_into(".notes textarea", note).await;
    page.navigating(async |p| p.click(".notes form button").await)
        .await;
    assert_eq!(page.text_of(".notes h3").await, ui.notes);
    let notes = page.text_of(".notes ul").await;
    assert!(
        notes.contains(note) && notes.contains("Alex Andersson"),
        "{notes}"
    );
    let stored = app.store.notes(team.acme.id, target).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].mentions,
        vec![team.manager.id],
        "Sam is mentioned"
    );
    page.screenshot("05-tagged-and-noted").await;

    // --- Reply: r focuses the reply box; the counter follows the typing; the
    // queued reply is listed on the page.
    let reply = "Hi Ana, thanks for telling us! A fix for exports over 1000 rows ships this week.";
    page.press("r").await;
    page.wait_until("document.activeElement && document.activeElement.id === 'reply'")
        .await;
    page.type_text(reply).await;
    page.wait_until(&format!(
        "document.getElementById('reply-count').textContent === '{}'",
        reply.chars().count()
    ))
    .await;
    page.navigating(async |p| p.click("#reply-form button").await)
        .await;
    let outbox = page
        .eval(&format!(
            "Array.from(document.querySelectorAll('.side section')).find(s => s.querySelector('h3') && s.querySelector('h3').innerText === {}).innerText",
            crate::cdp::js_str(ui.replies)
        ))
        .await;
    let outbox = outbox.as_str().expect("the replies section");
    assert!(
        outbox.contains(&format!("{} {reply}", ui.queued)),
        "{outbox}"
    );
    page.screenshot("06-replied").await;

    // --- Done: e marks the conversation done.
    page.navigating(async |p| p.press("e").await).await;
    assert_eq!(page.text_of(".thread .meta .badge.state").await, ui.done);
    let history = page.text_of(".history").await;
    assert!(history.contains(ui.history_tagged), "{history}");
    page.screenshot("07-done").await;

    // --- It has left the open list.
    page.navigating(async |p| p.click("header.top > a[href$='/inbox']").await)
        .await;
    assert_eq!(page.url().await, app.url("/w/acme/inbox"));
    assert_eq!(
        page.count(&format!(".rows .row[data-id='{target}']")).await,
        0
    );
    assert_eq!(page.count(".rows .row").await, 3);
    let tabs = page.text_of(".tabs").await;
    assert!(
        tabs.contains(&format!("{} 3", ui.open)) && tabs.contains(&format!("{} 1", ui.done)),
        "{tabs}"
    );
    page.screenshot("08-inbox-after-done").await;

    assert_clean(&mut page).await;
    browser.close().await;
}

async fn html_lang(page: &mut Page) -> String {
    page.eval("document.documentElement.lang")
        .await
        .as_str()
        .unwrap()
        .to_owned()
}

/// No dialogs, no uncaught exceptions in our script, no errors logged by the
/// browser (failed loads, CSP violations) on any page so far.
pub async fn assert_clean(page: &mut Page) {
    assert_eq!(page.dialogs(), Vec::<String>::new(), "dialogs opened");
    assert_eq!(page.exceptions(), Vec::<String>::new(), "script errors");
    assert_eq!(page.logged_errors(), Vec::<String>::new(), "browser errors");
    assert_eq!(
        page.eval("window.__cspViolations").await,
        serde_json::json!([]),
        "CSP violations"
    );
}
