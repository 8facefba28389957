//! Each reply exists exactly once on the network's own server, though a
//! `tend worker` is killed with SIGKILL while replies are being sent and
//! started again (the harness in `fleet/`): on the real Bluesky PDS, on
//! Matrix Synapse, and on the Mastodon fake with three processes on one
//! PostgreSQL (and two on SQLite), where some requests are also cut off after
//! the status was created (the unknown outcome).
//!
//! The real servers come from `scripts/servers.sh`; without them the tests
//! say so and pass, unless `TEND_REQUIRE_SERVERS=1` (set by the test script).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod fleet;

use std::collections::HashMap;
use std::time::Duration;
use tend_channels::live::{ChannelConfig, Credentials};
use tend_fakes::mastodon::{FakeMastodon, Fault, Route};

/// Asserts every parent got exactly one reply, and prints the figures.
fn exactly_one_each(
    label: &str,
    parents: &[String],
    replies_to: &[String],
    settled: &fleet::Settled,
) {
    let mut per_parent: HashMap<&str, usize> = HashMap::new();
    for p in replies_to {
        *per_parent.entry(p.as_str()).or_default() += 1;
    }
    let doubled = per_parent.values().filter(|n| **n > 1).count();
    let missing = parents
        .iter()
        .filter(|p| !per_parent.contains_key(p.as_str()))
        .count();
    println!(
        "live_exactly_once ({label}): {} replies queued, {} sent, {} failed, on the server {} replies, \
         {} messages answered twice, {} unanswered; settled in {:.1} s",
        parents.len(),
        settled.sent,
        settled.failed.len(),
        replies_to.len(),
        doubled,
        missing,
        settled.seconds
    );
    assert!(settled.failed.is_empty(), "{:?}", settled.failed);
    assert_eq!(settled.sent, parents.len());
    assert_eq!((doubled, missing), (0, 0), "exactly one reply per message");
    assert_eq!(replies_to.len(), parents.len());
}

async fn mastodon(url: &str, processes: usize, n: usize, label: &str) {
    let fake = FakeMastodon::start().await.unwrap();
    let ids = fake.seed_mentions(n);
    // Some posts are carried out and then cut off: the sender cannot know.
    fake.fail_next(Route::PostStatus, 5, Fault::CommitThenDrop);
    let scene = fleet::scene(
        url,
        ChannelConfig::Mastodon {
            instance: fake.url.clone(),
            account: None,
        },
        Credentials::Token {
            token: fake.token.clone(),
        },
    )
    .await;
    let messages = fleet::member_messages(&scene, n, |i| ids[i].clone()).await;
    let settled = fleet::send_with_a_kill(
        &scene,
        url,
        &messages,
        processes,
        n / 3,
        Duration::from_secs(600),
    )
    .await;
    let replies: Vec<String> = fake
        .brand_statuses()
        .into_iter()
        .filter_map(|s| s.in_reply_to_id)
        .collect();
    exactly_one_each(label, &ids, &replies, &settled);
    println!(
        "live_exactly_once ({label}): {} POST /api/v1/statuses requests for {n} replies",
        fake.status_posts()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_on_postgres_send_2000_replies_to_mastodon_each_once() {
    let Some(url) = fleet::postgres_database("exactly_once_masto").await else {
        return;
    };
    mastodon(&url, 3, 2000, "mastodon fake, postgres, 3 processes").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_sqlite_send_500_replies_to_mastodon_each_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("tend.db").display());
    mastodon(&url, 2, 500, "mastodon fake, sqlite, 2 processes").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_on_the_real_bluesky_pds_exist_once_though_a_worker_is_killed() {
    let Some(net) = tend_fakes::bluesky::Network::start().await.unwrap() else {
        return;
    };
    let brand = net.create_account("lumora").await.unwrap();
    let member = net.create_account("ada").await.unwrap();
    let app_password = net.app_password(&brand, "tend").await.unwrap();
    let n = 60;
    let mut posts = Vec::new();
    for i in 0..n {
        let post = net
            .post_mention(&member, &brand, &format!("Question {i}: is the app down?"))
            .await
            .unwrap();
        posts.push(post.uri);
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("tend.db").display());
    let scene = fleet::scene(
        &url,
        ChannelConfig::Bluesky {
            service: net.url.clone(),
            handle: brand.handle.clone(),
            firehose: None,
        },
        Credentials::Password {
            username: brand.handle.clone(),
            password: app_password,
        },
    )
    .await;
    let messages = fleet::member_messages(&scene, n, |i| posts[i].clone()).await;
    let settled =
        fleet::send_with_a_kill(&scene, &url, &messages, 2, n / 3, Duration::from_secs(300)).await;
    let replies: Vec<String> = net
        .list_posts(&brand.did)
        .await
        .unwrap()
        .iter()
        .filter_map(|r| {
            r["value"]["reply"]["parent"]["uri"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    exactly_one_each(
        "bluesky pds, sqlite, 2 processes",
        &posts,
        &replies,
        &settled,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_on_the_real_matrix_server_exist_once_though_a_worker_is_killed() {
    if tend_fakes::process::installed("TEND_SYNAPSE_VENV").is_none() {
        return;
    }
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("synapse-exactly-once");
    let synapse = tend_fakes::synapse::Synapse::start(&dir).await.unwrap();
    let brand = synapse.register("brand", "brand-password").await.unwrap();
    let member = synapse.register("member", "member-password").await.unwrap();
    let room = synapse.create_room(&brand, None).await.unwrap();
    synapse.join(&member, &room).await.unwrap();
    let n = 60;
    let mut events = Vec::new();
    for i in 0..n {
        let event = synapse
            .say(&member, &room, &format!("Question {i}: where is my order?"))
            .await
            .unwrap();
        events.push(format!("{room}/{event}"));
    }
    let db = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", db.path().join("tend.db").display());
    let scene = fleet::scene(
        &url,
        ChannelConfig::Matrix {
            homeserver: synapse.url(),
            rooms: vec![room.clone()],
        },
        Credentials::Token {
            token: brand.access_token.clone(),
        },
    )
    .await;
    let messages = fleet::member_messages(&scene, n, |i| events[i].clone()).await;
    let settled =
        fleet::send_with_a_kill(&scene, &url, &messages, 2, n / 3, Duration::from_secs(300)).await;
    let replies: Vec<String> = synapse
        .messages(&brand, &room, 1000)
        .await
        .unwrap()
        .iter()
        .filter(|e| e["sender"] == brand.user_id.as_str())
        .filter_map(|e| {
            let rel = &e["content"]["m.relates_to"];
            rel["m.in_reply_to"]["event_id"]
                .as_str()
                .or(rel["event_id"].as_str())
                .map(|id| format!("{room}/{id}"))
        })
        .collect();
    exactly_one_each(
        "matrix synapse, sqlite, 2 processes",
        &events,
        &replies,
        &settled,
    );
    synapse.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_sqlite_send_300_replies_to_discord_each_once() {
    use tend_fakes::discord::{FakeDiscord, Fault, Route};
    let fake = FakeDiscord::start().await.unwrap();
    let n = 300;
    let channel = fake.channel();
    let ids = fake.seed(channel, n);
    // Some messages are created and then cut off: the sender cannot know.
    fake.fail_next(Route::CreateMessage, 5, Fault::CommitThenDrop);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("tend.db").display());
    let scene = fleet::scene(
        &url,
        ChannelConfig::Discord {
            guild_id: fake.guild_id(),
            channels: vec![channel.to_string()],
            publish_channel: None,
            api_base: Some(fake.api_base.clone()),
            gateway: Some(fake.gateway_url.clone()),
        },
        Credentials::Token {
            token: fake.token.clone(),
        },
    )
    .await;
    let messages = fleet::member_messages(&scene, n, |i| ids[i].clone()).await;
    let settled =
        fleet::send_with_a_kill(&scene, &url, &messages, 2, n / 3, Duration::from_secs(600)).await;
    let replies: Vec<String> = fake
        .bot_messages()
        .into_iter()
        .filter_map(|m| m.reply_to.map(|p| format!("{}/{p}", m.channel)))
        .collect();
    exactly_one_each(
        "discord fake, sqlite, 2 processes",
        &ids,
        &replies,
        &settled,
    );
    println!(
        "live_exactly_once (discord fake): {} POST /channels/{{id}}/messages requests for {n} replies",
        fake.create_requests()
    );
}

/// Telegram has no idempotency key and no read-back: a reply whose request
/// may have arrived (cut off after it was sent, or its sender killed
/// mid-request) must end `unknown` with the reason, never be sent twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_sqlite_send_300_replies_to_telegram_never_twice() {
    use tend_fakes::telegram::{FakeTelegram, Fault, Route};
    let fake = FakeTelegram::start().await.unwrap();
    let n = 300;
    let ids = fake.seed_dms(n);
    let cut_off = 5;
    fake.fail_next(Route::SendMessage, cut_off, Fault::CommitThenDrop);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("tend.db").display());
    let scene = fleet::scene(
        &url,
        ChannelConfig::Telegram {
            chats: Vec::new(),
            api_base: Some(fake.url.clone()),
        },
        Credentials::Token {
            token: fake.token.clone(),
        },
    )
    .await;
    let messages = fleet::member_messages(&scene, n, |i| ids[i].clone()).await;
    let settled = fleet::send_with_a_kill_until(
        &scene,
        &url,
        &messages,
        2,
        n / 3,
        Duration::from_secs(600),
        |item| {
            item.last_error
                .as_deref()
                .is_some_and(|e| e.starts_with("outcome unknown, not sent again"))
        },
    )
    .await;
    let replies: Vec<String> = fake
        .bot_messages()
        .into_iter()
        .filter_map(|m| m.reply_to.map(|p| format!("{}/{p}", m.chat_id)))
        .collect();
    let mut per_parent: HashMap<&str, usize> = HashMap::new();
    for p in &replies {
        *per_parent.entry(p.as_str()).or_default() += 1;
    }
    let doubled = per_parent.values().filter(|c| **c > 1).count();
    let missing = ids
        .iter()
        .filter(|p| !per_parent.contains_key(p.as_str()))
        .count();
    println!(
        "live_exactly_once (telegram fake, sqlite, 2 processes): {n} replies queued, {} sent, {} unknown, \
         {} failed, on the server {} replies, {doubled} messages answered twice, {missing} unanswered; \
         {} sendMessage requests; settled in {:.1} s",
        settled.sent,
        settled.unknown.len(),
        settled.failed.len(),
        replies.len(),
        fake.send_requests(),
        settled.seconds
    );
    assert!(settled.failed.is_empty(), "{:?}", settled.failed);
    assert_eq!(doubled, 0, "never twice");
    assert_eq!(settled.sent + settled.unknown.len(), n);
    assert!(
        settled.unknown.len() >= cut_off,
        "the cut-off replies are unknown, not sent: {:?}",
        settled.unknown
    );
    assert!(
        missing <= settled.unknown.len(),
        "a missing reply is one left unknown"
    );
    // Every request reached the fake and made one message, and no item was
    // attempted twice.
    assert_eq!(fake.send_requests(), replies.len());
    assert!(fake.send_requests() <= n);
    for id in &settled.remote_ids {
        assert!(
            fake.message(id).is_some(),
            "sent item {id} is on the server"
        );
    }
    for (id, reason) in &settled.unknown {
        let reason = reason.as_deref().unwrap_or_default();
        assert!(reason.contains("look in the chat"), "{reason}");
        // Attempted once, then left unknown (the reason written once).
        let trail: Vec<_> = scene
            .store
            .outbox_events(scene.ws.id, *id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.state)
            .collect();
        let sending = trail
            .iter()
            .filter(|s| **s == tend_domain::OutboxState::Sending)
            .count();
        assert_eq!(sending, 1, "{trail:?}");
        assert_eq!(
            trail[trail.len() - 2..],
            [
                tend_domain::OutboxState::Unknown,
                tend_domain::OutboxState::Unknown
            ],
            "{trail:?}"
        );
    }
}

/// Discourse keeps no idempotency key: a reply whose outcome is unknown (the
/// worker killed mid-request, or the answer cut off after the post was
/// made) is settled only by reading the topic back for the reply's
/// invisible marker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_sqlite_send_300_replies_to_discourse_each_once() {
    use tend_fakes::discourse::{BRAND, FakeDiscourse, Fault as DFault, Route as DRoute};
    let fake = FakeDiscourse::start().await.unwrap();
    let n = 300;
    let ids = fake.seed_topics(n);
    // Some posts are made and then cut off: the sender cannot know.
    fake.fail_next(DRoute::CreatePost, 5, DFault::CommitThenDrop);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("tend.db").display());
    let scene = fleet::scene(
        &url,
        ChannelConfig::Discourse {
            base_url: fake.url.clone(),
            categories: vec![],
            tags: vec![],
        },
        Credentials::Password {
            username: BRAND.into(),
            password: fake.api_key.clone(),
        },
    )
    .await;
    let messages = fleet::member_messages(&scene, n, |i| ids[i].clone()).await;
    let settled =
        fleet::send_with_a_kill(&scene, &url, &messages, 2, n / 3, Duration::from_secs(600)).await;
    // Each reply answers its topic's first post.
    let replies: Vec<String> = fake
        .brand_posts()
        .into_iter()
        .filter(|p| !p.deleted)
        .map(|p| format!("t{}/p1", p.topic_id))
        .collect();
    exactly_one_each(
        "discourse fake, sqlite, 2 processes",
        &ids,
        &replies,
        &settled,
    );
    println!(
        "live_exactly_once (discourse): {} POST /posts.json requests for {n} replies",
        fake.post_requests()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_sqlite_send_300_replies_to_reddit_each_once() {
    use tend_fakes::reddit::{FakeReddit, Fault as RedditFault, Route as RedditRoute};
    let fake = FakeReddit::start().await.unwrap();
    let n = 300;
    let ids = fake.seed_comments("tendtest", n);
    // Reddit has no idempotency key: some comments are made and then cut
    // off, and only reading the account's comments back can tell.
    fake.fail_next(RedditRoute::Comment, 5, RedditFault::CommitThenDrop);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("tend.db").display());
    let scene = fleet::scene(
        &url,
        ChannelConfig::Reddit {
            subreddits: vec!["tendtest".into()],
            user_agent: None,
            api: Some(fake.url.clone()),
            token_url: Some(fake.token_url.clone()),
        },
        fake.login(),
    )
    .await;
    let messages = fleet::member_messages(&scene, n, |i| ids[i].clone()).await;
    let settled =
        fleet::send_with_a_kill(&scene, &url, &messages, 2, n / 3, Duration::from_secs(600)).await;
    let replies: Vec<String> = fake
        .brand_comments()
        .into_iter()
        .filter_map(|c| c.parent)
        .collect();
    exactly_one_each("reddit fake, sqlite, 2 processes", &ids, &replies, &settled);
    println!(
        "live_exactly_once (reddit): {} POST /api/comment requests for {n} replies",
        fake.comment_posts()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_sqlite_send_300_replies_to_youtube_each_once() {
    use tend_fakes::youtube::{CHANNEL, FakeYoutube, Fault as YoutubeFault, Route as YoutubeRoute};
    let fake = FakeYoutube::start().await.unwrap();
    // 300 replies at 50 units each are more than a default day's 10,000
    // units: this project has a raised quota.
    fake.set_quota(1_000_000);
    let n = 300;
    let ids = fake.seed_threads(n);
    // YouTube has no idempotency key: some replies are made and then cut
    // off, and only reading the thread's replies back can tell.
    fake.fail_next(YoutubeRoute::Insert, 5, YoutubeFault::CommitThenDrop);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("tend.db").display());
    let scene = fleet::scene(
        &url,
        ChannelConfig::Youtube {
            channel_id: CHANNEL.into(),
            api: Some(fake.url.clone()),
            token_url: Some(fake.token_url.clone()),
        },
        fake.oauth(),
    )
    .await;
    let messages = fleet::member_messages(&scene, n, |i| ids[i].clone()).await;
    let settled =
        fleet::send_with_a_kill(&scene, &url, &messages, 2, n / 3, Duration::from_secs(600)).await;
    let replies: Vec<String> = fake
        .brand_replies()
        .into_iter()
        .filter_map(|c| c.parent)
        .collect();
    exactly_one_each(
        "youtube fake, sqlite, 2 processes",
        &ids,
        &replies,
        &settled,
    );
    println!(
        "live_exactly_once (youtube): {} comments.insert requests for {n} replies, {} quota units",
        fake.inserts(),
        fake.quota_used()
    );
}

/// X has no idempotency key: an unknown outcome is settled by reading the
/// brand's own tweets back (the fake cuts some posts off after making them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_sqlite_send_300_replies_to_x_each_once() {
    use tend_fakes::x::{BRAND_ID, FakeX, Fault as XFault, Route as XRoute};
    let fake = FakeX::start().await.unwrap();
    let n = 300;
    let ids = fake.seed_mentions(n);
    fake.fail_next(XRoute::PostTweet, 5, XFault::CommitThenDrop);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("tend.db").display());
    let scene = fleet::scene(
        &url,
        ChannelConfig::X {
            api_base: fake.url.clone(),
            user_id: BRAND_ID.into(),
            token_url: fake.token_url(),
        },
        Credentials::Token {
            token: fake.token.clone(),
        },
    )
    .await;
    let messages = fleet::member_messages(&scene, n, |i| ids[i].clone()).await;
    let settled =
        fleet::send_with_a_kill(&scene, &url, &messages, 2, n / 3, Duration::from_secs(600)).await;
    let replies: Vec<String> = fake
        .brand_tweets()
        .into_iter()
        .filter_map(|t| t.in_reply_to)
        .collect();
    exactly_one_each("x fake, sqlite, 2 processes", &ids, &replies, &settled);
    println!(
        "live_exactly_once (x): {} POST /2/tweets requests for {n} replies",
        fake.tweet_posts()
    );
}

/// Meta has no idempotency key: replies on Instagram are settled by reading
/// the comment's replies back; on Threads each reply is a container made
/// once per key (a retry publishes the same container or, after a crash,
/// reads back first).
async fn meta_replies(net: tend_fakes::meta::Net, n: usize, label: &str) {
    use tend_fakes::meta::{FakeMeta, Fault as MFault, IG_ID, Net, PAGE_ID, Route as MRoute};
    let fake = FakeMeta::start().await.unwrap();
    let (ids, config, credentials, cut) = match net {
        Net::Instagram => (
            fake.seed_ig_comments(n),
            ChannelConfig::Instagram {
                ig_user_id: IG_ID.into(),
                page_id: None,
                graph_base: fake.graph_base(),
            },
            Credentials::Token {
                token: fake.page_token.clone(),
            },
            MRoute::IgReply,
        ),
        Net::Threads => {
            let post = fake.threads_post("Launch day");
            let ids = (0..n)
                .map(|i| fake.threads_reply(&format!("member{}", i % 97), &format!("q{i}?"), &post))
                .collect();
            (
                ids,
                ChannelConfig::Threads {
                    graph_base: fake.threads_base(),
                },
                Credentials::Token {
                    token: fake.threads_token(Duration::from_secs(3600 * 24 * 30)),
                },
                MRoute::ThreadsPublish,
            )
        }
        Net::Facebook => {
            let post = fake.fb_post("Launch day");
            let ids = (0..n)
                .map(|i| fake.fb_comment(&format!("Member {}", i % 97), &format!("q{i}?"), &post))
                .collect();
            (
                ids,
                ChannelConfig::Facebook {
                    page_id: PAGE_ID.into(),
                    graph_base: fake.graph_base(),
                },
                Credentials::Token {
                    token: fake.page_token.clone(),
                },
                MRoute::FbComment,
            )
        }
    };
    fake.fail_next(cut, 5, MFault::CommitThenDrop);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("tend.db").display());
    let scene = fleet::scene(&url, config, credentials).await;
    let messages = fleet::member_messages(&scene, n, |i| ids[i].clone()).await;
    let settled =
        fleet::send_with_a_kill(&scene, &url, &messages, 2, n / 3, Duration::from_secs(600)).await;
    let replies: Vec<String> = fake
        .brand_items(net)
        .into_iter()
        .filter_map(|item| item.parent)
        .collect();
    exactly_one_each(label, &ids, &replies, &settled);
    println!(
        "live_exactly_once ({label}): {} write requests on the cut route for {n} replies",
        fake.writes(cut)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_sqlite_send_300_replies_to_instagram_each_once() {
    meta_replies(
        tend_fakes::meta::Net::Instagram,
        300,
        "instagram fake, sqlite, 2 processes",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_sqlite_send_300_replies_to_threads_each_once() {
    meta_replies(
        tend_fakes::meta::Net::Threads,
        300,
        "threads fake, sqlite, 2 processes",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_sqlite_send_300_replies_to_facebook_each_once() {
    meta_replies(
        tend_fakes::meta::Net::Facebook,
        300,
        "facebook fake, sqlite, 2 processes",
    )
    .await;
}

/// LinkedIn has no idempotency key: an unknown outcome is settled by
/// reading back the page's own comments under the comment answered (the
/// fake cuts some replies off after making them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_sqlite_send_300_replies_to_linkedin_each_once() {
    use tend_fakes::linkedin::{FakeLinkedin, Fault as LFault, ORG, Route as LRoute};
    let fake = FakeLinkedin::start().await.unwrap();
    let n = 300;
    let ids = fake.seed_comments(n);
    fake.fail_next(LRoute::PostComment, 5, LFault::CommitThenDrop);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("tend.db").display());
    let scene = fleet::scene(
        &url,
        ChannelConfig::Linkedin {
            organization: ORG.into(),
            api_base: fake.api_base(),
            version: tend_channels::live::linkedin::DEFAULT_VERSION.into(),
            token_url: fake.token_url(),
        },
        Credentials::Token {
            token: fake.token.clone(),
        },
    )
    .await;
    let messages = fleet::member_messages(&scene, n, |i| ids[i].clone()).await;
    let settled =
        fleet::send_with_a_kill(&scene, &url, &messages, 2, n / 3, Duration::from_secs(600)).await;
    let replies: Vec<String> = fake
        .org_comments()
        .into_iter()
        .filter_map(|c| c.parent)
        .collect();
    exactly_one_each(
        "linkedin fake, sqlite, 2 processes",
        &ids,
        &replies,
        &settled,
    );
    println!(
        "live_exactly_once (linkedin): {} POST comments requests for {n} replies",
        fake.comment_posts()
    );
}
