//! The listening dashboards in a real browser, over the demo workspace (small
//! scale) with its six topics backfilled and the planted outage on X recorded as
//! an alert on "Outage talk": the overview's charts, a topic's charts with the
//! trending and authors sections, the same in Swedish, a CSV link, and a new
//! topic through the form (a bad query first, then a good one).

use crate::cdp::{Chromium, Screenshots, chromium_path};
use crate::helpers::spawn_app;
use secrecy::ExposeSecret as _;
use tend_demo as demo;
use tend_domain::{AlertKind, NewAlert};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listening_dashboards_render_in_chromium() {
    let test = "listening";
    let Some(chromium) = chromium_path(test) else {
        return;
    };
    let app = spawn_app().await;
    let store = &*app.store;
    let installed = demo::install(store, 42, 0.1, app.now(), &mut |_| {})
        .await
        .unwrap();
    let ws = installed.workspace.id;
    let topics = store.topics(ws).await.unwrap();
    assert_eq!(topics.len(), demo::topics::TOPICS.len());
    let outage = topics.iter().find(|t| t.name == "Outage talk").unwrap();
    let spike = &installed.manifest.spike;
    store
        .record_alerts(
            ws,
            &[NewAlert {
                topic_id: outage.id,
                kind: AlertKind::Volume,
                start: spike.start,
                end: spike.end,
                observed: spike.total_per_hour.iter().sum::<u64>() as i64,
                expected: 4.0,
                score: 12.0,
            }],
        )
        .await
        .unwrap();
    let slug = installed.workspace.slug.as_str().to_owned();

    let mut browser = Chromium::launch(&chromium).await;
    let mut page = browser.page("en-GB,en", Screenshots::for_test(test)).await;
    page.goto(&app.url(&format!("/w/{slug}/listening?days=90")))
        .await;
    page.type_into("input[name=email]", installed.login.email)
        .await;
    page.type_into(
        "input[name=password]",
        installed.login.password.expose_secret(),
    )
    .await;
    page.navigating(async |p| p.click(".login button").await)
        .await;
    assert_eq!(
        page.url().await,
        app.url(&format!("/w/{slug}/listening?days=90"))
    );
    assert_eq!(
        page.eval("document.querySelectorAll('svg[role=img]').length")
            .await,
        2,
        "volume and share of voice"
    );
    let volume = page.text_of("#chart-volume").await;
    assert!(volume.contains("Messages per topic"), "{volume}");
    let table = page.text_of("#topics").await;
    for (name, _, _) in demo::topics::TOPICS {
        assert!(table.contains(name), "{name} in {table}");
    }
    let alerts = page.text_of("#alerts").await;
    assert!(alerts.contains("Outage talk"), "{alerts}");
    assert!(alerts.contains("Volume spike"), "{alerts}");
    // Every chart's line or area is drawn (paths with a stroke or fill inside the SVG).
    let drawn = page
        .eval("[...document.querySelectorAll('#chart-volume svg path')].length")
        .await;
    assert!(drawn.as_u64().unwrap() >= 6, "{drawn}");
    // The CSV link keeps the period.
    let csv = page
        .eval("document.querySelector('#chart-volume a.csv').getAttribute('href')")
        .await;
    assert_eq!(
        csv.as_str().unwrap(),
        format!("/w/{slug}/listening?days=90&granularity=day&csv=volume")
    );
    page.screenshot("01-overview").await;

    // The outage topic: six charts, the spike shaded, authors and trending.
    page.navigating(async |p| {
        p.eval(
            "[...document.querySelectorAll('#topics a')].find(a => a.textContent === 'Outage talk').click()",
        )
        .await;
    })
    .await;
    assert!(
        page.url()
            .await
            .contains(&format!("/listening/{}", outage.id.get()))
    );
    assert_eq!(
        page.eval("document.querySelectorAll('svg[role=img]').length")
            .await,
        6
    );
    let authors = page.text_of("#chart-authors").await;
    assert!(authors.contains("Most active authors"), "{authors}");
    assert!(
        page.count("#chart-authors svg rect").await >= 3,
        "author bars drawn"
    );
    let trending = page.text_of("#trending").await;
    assert!(trending.contains("Dunning log-likelihood G²"), "{trending}");
    let desc = page
        .eval("document.querySelector('#chart-volume svg desc').textContent")
        .await;
    assert!(
        desc.as_str()
            .unwrap()
            .starts_with("Alert periods are shaded."),
        "the spike is shaded: {desc}"
    );
    assert!(page.text_of("#alerts").await.contains("Volume spike"));
    page.screenshot("02-topic").await;

    // In Swedish.
    page.navigating(async |p| p.click("button[name=locale]").await)
        .await;
    assert!(page.text_of("h1").await.contains("Outage talk"));
    let sv = page.text().await;
    assert!(sv.contains("Mest aktiva skribenter"), "{sv}");
    assert!(sv.contains("Sentiment"), "{sv}");
    assert!(sv.contains("Volymtopp"), "{sv}");
    page.screenshot("03-topic-sv").await;
    page.goto(&app.url(&format!("/w/{slug}/listening?days=7&granularity=hour")))
        .await;
    assert_eq!(
        page.eval("document.querySelectorAll('svg[role=img]').length")
            .await,
        2
    );
    assert!(page.text().await.contains("Andel av rösterna"));
    page.screenshot("04-overview-sv-hours").await;
    page.navigating(async |p| p.click("button[name=locale]").await)
        .await;

    // A new topic through the form: a typo first, shown with its column.
    page.goto(&app.url(&format!("/w/{slug}/listening/topics")))
        .await;
    page.type_into("#topic-name", "Glow bulbs").await;
    page.select_option("#topic-role", "Product").await;
    page.type_into("#topic-query", "glow AND (bulb*").await;
    page.navigating(async |p| p.click("#topic-save").await)
        .await;
    let error = page.text_of("#query-error").await;
    assert!(error.contains("column "), "{error}");
    assert_eq!(
        page.eval("document.getElementById('topic-name').value")
            .await,
        "Glow bulbs",
        "the form keeps what was typed"
    );
    page.screenshot("05-query-error").await;
    page.eval("document.getElementById('topic-query').value = ''")
        .await;
    page.type_into("#topic-query", "glow AND bulb*").await;
    page.navigating(async |p| p.click("#topic-save").await)
        .await;
    assert!(page.text_of("h1").await.contains("Glow bulbs"));
    let created = store
        .topics(ws)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "Glow bulbs")
        .unwrap();
    assert_eq!(created.query, "glow AND bulb*");
    assert!(
        page.url()
            .await
            .ends_with(&format!("/listening/{}", created.id.get()))
    );
    page.screenshot("06-new-topic").await;

    // Clean, but for the 422 of the bad query the browser logs as a failed load.
    let errors: Vec<String> = page
        .logged_errors()
        .into_iter()
        .filter(|e| !(e.contains("422") && e.contains("/listening/topics")))
        .collect();
    assert_eq!(errors, Vec::<String>::new(), "browser errors");
    assert_eq!(page.dialogs(), Vec::<String>::new(), "dialogs opened");
    assert_eq!(page.exceptions(), Vec::<String>::new(), "script errors");
    assert_eq!(
        page.eval("window.__cspViolations").await,
        serde_json::json!([]),
        "CSP violations"
    );
    browser.close().await;
}
