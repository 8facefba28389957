//! The Channels page in a real browser, in English and Swedish: an admin
//! connects a simulated channel whose name is a script payload through the form
//! (settings as name and value, a password), sees it listed as simulated and
//! connected with the payload shown as text (no script runs), the password
//! nowhere in the page, stops and resumes all sending, and disconnects it
//! through the confirmation.

use crate::cdp::{Chromium, Page, Screenshots, chromium_path};
use crate::flow::assert_clean;
use crate::helpers::{PASSWORD, spawn_app};
use crate::seed::{self, ADMIN};

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
    page.goto(&app.url("/w/acme/settings/channels")).await;
    page.type_into("input[name=email]", ADMIN).await;
    page.type_into("input[name=password]", PASSWORD).await;
    page.navigating(async |p| p.click(".login button").await)
        .await;
    assert_eq!(page.url().await, app.url("/w/acme/settings/channels"));
    assert_eq!(page.text_of("h1").await, ui.title);
    // Linked from the header.
    assert_eq!(page.text_of("header.top .nav-channels").await, ui.title);
    page.screenshot("01-empty").await;

    // Connect through the form.
    page.type_into("#channel-name", NAME).await;
    page.type_into(".setting input[name=key]", "every_secs")
        .await;
    page.type_into(".setting input[name=value]", "30").await;
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
