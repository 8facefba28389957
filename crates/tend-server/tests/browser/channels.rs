//! The Channels page in a real browser, in English and Swedish: an admin
//! connects a simulated channel whose name is a script payload through the form
//! (settings as name and value, a password), sees it listed as simulated and
//! connected with the payload shown as text (no script runs), the password
//! nowhere in the page, stops and resumes all sending, and disconnects it
//! through the confirmation. Then a reply on a simulated channel's message
//! shows its state moving from queued to sent without a reload.

use crate::cdp::{Chromium, Page, Screenshots, chromium_path};
use crate::flow::assert_clean;
use crate::helpers::{PASSWORD, TestApp, spawn_app};
use crate::seed::{self, ADMIN};
use tend_core::team::{Actor, Permission};
use tend_domain::{MessageKind, NewMessage, OutboxId, OutboxState, Role};

const NAME: &str = "<script>window.__xss=1</script><img src=x onerror=\"window.__xss=1\"> Demo";
const SECRET: &str = "br0wser-SECRET-never-shown";

struct Ui {
    test: &'static str,
    locale: &'static str,
    title: &'static str,
    simulated: &'static str,
    connected: &'static str,
    disconnected: &'static str,
    paused: &'static str,
}

#[tokio::test]
async fn channels_page_en() {
    channels(&Ui {
        test: "channels_en",
        locale: "en",
        title: "Channels",
        simulated: "simulated (demo)",
        connected: "connected",
        disconnected: "disconnected",
        paused: "All sending is stopped since",
    })
    .await;
}

#[tokio::test]
async fn channels_page_sv() {
    channels(&Ui {
        test: "channels_sv",
        locale: "sv",
        title: "Kanaler",
        simulated: "simulerad (demo)",
        connected: "ansluten",
        disconnected: "frånkopplad",
        paused: "Allt skickande är stoppat sedan",
    })
    .await;
}

async fn html(page: &mut Page) -> String {
    page.eval("document.documentElement.outerHTML")
        .await
        .as_str()
        .unwrap()
        .to_owned()
}

async fn channels(ui: &Ui) {
    let Some(chromium) = chromium_path(ui.test) else {
        return;
    };
    let app = spawn_app().await;
    let team = seed::team(&app).await;
    tend_core::team::tokens::set_locale(&*app.store, team.admin.id, ui.locale)
        .await
        .unwrap();
    let mut browser = Chromium::launch(&chromium).await;
    let mut page = browser
        .page("en-GB,en", Screenshots::for_test(ui.test))
        .await;
    login(&mut page, &app, "/w/acme/settings/channels").await;
    assert_eq!(page.text_of("h1").await, ui.title);
    // Linked from the header.
    assert_eq!(page.text_of("header.top .nav-channels").await, ui.title);
    page.screenshot("01-empty").await;

    // Connect through the form.
    page.type_into("#channel-name", NAME).await;
    // Only the chosen network's settings show; its required one has a field.
    assert_eq!(
        page.eval("document.querySelector('fieldset[data-network=simulated]').hidden")
            .await,
        false
    );
    // Another network shows its own settings instead (e-mail: a choice of
    // connection security among them).
    page.select_option("#channel-network", "email").await;
    assert_eq!(
        page.eval(
            "[document.querySelector('fieldset[data-network=email]').hidden, \
              document.querySelector('fieldset[data-network=simulated]').hidden, \
              document.getElementById('setting-email-imap_tls').tagName]"
        )
        .await,
        serde_json::json!([false, true, "SELECT"])
    );
    page.select_option("#channel-network", ui.simulated).await;
    page.type_into("#setting-simulated-every_secs", "30").await;
    page.click("input[name=credentials][value=password]").await;
    page.type_into("#channel-username", "brand").await;
    page.type_into("#channel-password", SECRET).await;
    page.screenshot("02-form").await;
    page.navigating(async |p| p.click("#connect-button").await)
        .await;
    assert!(
        page.url().await.ends_with("?done=connected"),
        "{}",
        page.url().await
    );
    let card = page.text_of(".card.channel").await;
    assert!(card.contains(NAME), "the name is shown as text: {card}");
    assert!(card.contains(ui.simulated), "{card}");
    assert!(card.contains(ui.connected), "{card}");
    assert_eq!(page.eval("window.__xss === undefined").await, true);
    assert_eq!(
        page.count(".card.channel script, .card.channel img").await,
        0
    );
    assert!(!html(&mut page).await.contains(SECRET));
    page.screenshot("03-connected").await;
    // On a phone nothing of the page is wider than the screen.
    page.phone(Some((390, 844))).await;
    page.goto(&app.url("/w/acme/settings/channels")).await;
    assert_eq!(
        page.eval("document.documentElement.scrollWidth <= screen.width")
            .await,
        true,
        "the page scrolls sideways on a phone"
    );
    page.screenshot("03-phone").await;
    page.phone(None).await;

    // Stop all sending, then resume.
    page.navigating(async |p| p.click("#sending button").await)
        .await;
    let sending = page.text_of("#sending").await;
    assert!(sending.contains(ui.paused), "{sending}");
    page.screenshot("04-paused").await;
    page.navigating(async |p| p.click("#sending button").await)
        .await;
    assert!(!page.text_of("#sending").await.contains(ui.paused));

    // Disconnect: the confirmation opens from the keyboard too.
    page.eval("document.querySelector('details.confirm summary').focus()")
        .await;
    page.press("Enter").await;
    page.wait_until("document.querySelector('details.confirm').open")
        .await;
    page.screenshot("05-confirm").await;
    page.navigating(async |p| p.click("details.confirm button").await)
        .await;
    let card = page.text_of(".card.channel").await;
    assert!(card.contains(ui.disconnected), "{card}");
    assert!(card.contains(NAME), "{card}");
    assert_eq!(page.eval("window.__xss === undefined").await, true);
    page.screenshot("06-disconnected").await;

    assert_clean(&mut page).await;
    browser.close().await;
}

/// Opens `path` signed out, logs in as the admin and lands on it.
async fn login(page: &mut Page, app: &TestApp, path: &str) {
    page.goto(&app.url(path)).await;
    page.type_into("input[name=email]", ADMIN).await;
    page.type_into("input[name=password]", PASSWORD).await;
    page.navigating(async |p| p.click(".login button").await)
        .await;
    assert_eq!(page.url().await, app.url(path));
}

#[tokio::test]
async fn a_replys_state_changes_show_without_a_reload() {
    let test = "channels_reply_live";
    let Some(chromium) = chromium_path(test) else {
        return;
    };
    let app = spawn_app().await;
    let team = seed::team(&app).await;
    let admin = Actor::user(team.admin.id, team.acme.id, Role::Admin);
    assert!(admin.may(Permission::Reply));
    let request = tend_core::channels::Connect {
        name: "Demo".into(),
        config: tend_channels::live::ChannelConfig::Simulated { every_secs: 60 },
        credentials: tend_channels::live::Credentials::None,
        backfill_days: Some(0),
    };
    let channel =
        tend_core::channels::connect(&*app.store, &app.secrets, admin, request, app.now())
            .await
            .unwrap()
            .channel;
    let message = NewMessage::new(
        channel.id,
        "sim-1",
        MessageKind::Mention,
        "Is the meetup still on?",
        app.now(),
    );
    let m = app
        .store
        .upsert_messages(team.acme.id, &[message])
        .await
        .unwrap()[0]
        .id;

    let mut browser = Chromium::launch(&chromium).await;
    let mut page = browser.page("en-GB,en", Screenshots::for_test(test)).await;
    let path = format!("/w/acme/c/{m}");
    login(&mut page, &app, &path).await;
    page.type_into("#reply", "Yes, see you there!").await;
    page.navigating(async |p| p.click("#reply-form button").await)
        .await;
    let outbox = page.text_of("#live-outbox").await;
    assert!(outbox.contains("queued"), "{outbox}");
    assert_eq!(page.count("#live-outbox .outbox-cancel button").await, 1);
    page.screenshot("01-queued").await;

    // The sender sends it (as the SendReply job would); the page, not
    // reloaded, shows it sent with the network's id.
    page.eval("window.__notReloaded = true").await;
    let item = app.store.message_outbox(team.acme.id, m).await.unwrap()[0].id;
    tend_core::channels::send::send(
        &*app.store,
        Some(&app.secrets),
        &tend_core::channels::Connectors::default(),
        team.acme.id,
        item,
        app.now(),
    )
    .await
    .unwrap();
    let sent = app
        .store
        .outbox_item(team.acme.id, OutboxId(item.get()))
        .await
        .unwrap();
    assert_eq!(sent.state, OutboxState::Sent);
    page.wait_for("#live-outbox .outbox-sent").await;
    assert_eq!(page.eval("window.__notReloaded === true").await, true);
    let outbox = page.text_of("#live-outbox").await;
    assert!(
        outbox.contains(sent.remote_id.as_deref().unwrap()),
        "{outbox}"
    );
    assert_eq!(page.count("#live-outbox .outbox-cancel button").await, 0);
    page.screenshot("02-sent").await;

    assert_clean(&mut page).await;
    browser.close().await;
}
