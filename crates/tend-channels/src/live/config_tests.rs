//! Tests of the channel settings and credentials: parsing, checks, redaction.
use super::*;
use crate::live::connect;

#[test]
fn credentials_never_print_their_secrets() {
    let c = Credentials::Password {
        username: "brand".into(),
        password: "hunter2-secret".into(),
    };
    let shown = format!("{c:?} {:?}", Some(&c));
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(!shown.contains("brand"), "{shown}");
}

#[test]
fn mastodon_settings_are_checked_and_round_trip() {
    let c = ChannelConfig::Mastodon {
        instance: "https://mastodon.social".into(),
        account: Some("@brand".into()),
    };
    c.validate().unwrap();
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["network"], "mastodon");
    assert_eq!(serde_json::from_value::<ChannelConfig>(json).unwrap(), c);
    assert_eq!(c.kind(), ChannelKind::Mastodon);
    let bad = |instance: &str, account: Option<&str>| ChannelConfig::Mastodon {
        instance: instance.into(),
        account: account.map(str::to_string),
    };
    assert!(matches!(
        bad("http://mastodon.social", None).validate(),
        Err(ChannelError::Permanent(m)) if m.contains("https")
    ));
    assert!(matches!(
        bad("https://mastodon.social", Some("a/b")).validate(),
        Err(ChannelError::Permanent(m)) if m.contains("a/b")
    ));
    assert!(
        bad("https://mastodon.social", Some("brand@mastodon.social"))
            .validate()
            .is_ok()
    );
    let none = connect(&c, &Credentials::None);
    assert!(matches!(none, Err(ChannelError::Permanent(m)) if m.contains("access token")));
}

#[test]
fn oauth_credentials_read_from_json_as_the_cli_documents_them() {
    let c: Credentials = serde_json::from_str(
        r#"{"type":"o_auth","access_token":"a","refresh_token":"r","expires_at":"2026-12-08T10:00:00Z","client_id":"c","client_secret":null}"#,
    )
    .unwrap();
    assert!(matches!(c, Credentials::OAuth { refresh_token: Some(r), .. } if r == "r"));
}

#[test]
fn id_settings_are_read_from_numbers_too() {
    let c: ChannelConfig = serde_json::from_value(serde_json::json!({
        "network": "instagram", "ig_user_id": 17_841_405_822_304_914_u64, "page_id": 245_628_824_887_810_u64
    }))
    .unwrap();
    let ChannelConfig::Instagram {
        ig_user_id,
        page_id,
        ..
    } = &c
    else {
        panic!()
    };
    assert_eq!(
        (ig_user_id.as_str(), page_id.as_deref()),
        ("17841405822304914", Some("245628824887810"))
    );
    let x: ChannelConfig = serde_json::from_value(
        serde_json::json!({"network": "x", "user_id": 1_072_250_532_645_998_596_u64}),
    )
    .unwrap();
    assert!(matches!(x, ChannelConfig::X { user_id, .. } if user_id == "1072250532645998596"));
    // Without the setting, serde still names it as missing.
    let err = serde_json::from_value::<ChannelConfig>(serde_json::json!({"network": "facebook"}))
        .unwrap_err();
    assert!(err.to_string().contains("page_id"), "{err}");
}

#[test]
fn settings_round_trip_through_json_with_their_network_named() {
    let c = ChannelConfig::Simulated { every_secs: 5 };
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["network"], "simulated");
    assert_eq!(serde_json::from_value::<ChannelConfig>(json).unwrap(), c);
    assert!(
        ChannelConfig::Simulated { every_secs: 0 }
            .validate()
            .is_err()
    );
}

#[test]
fn numeric_ids_are_read_from_numbers_text_and_lists() {
    let c: ChannelConfig = serde_json::from_value(serde_json::json!({
        "network": "discord", "guild_id": 900000000000000008u64,
        "channels": [900000000000000009u64, "900000000000000010"],
        "publish_channel": 900000000000000009u64,
    }))
    .unwrap();
    let ChannelConfig::Discord {
        guild_id,
        channels,
        publish_channel,
        ..
    } = &c
    else {
        panic!("{c:?}")
    };
    assert_eq!(guild_id, "900000000000000008");
    assert_eq!(channels, &["900000000000000009", "900000000000000010"]);
    assert_eq!(publish_channel.as_deref(), Some("900000000000000009"));
    assert_eq!(
        serde_json::from_value::<ChannelConfig>(serde_json::to_value(&c).unwrap()).unwrap(),
        c
    );
    let t: ChannelConfig = serde_json::from_value(serde_json::json!({
        "network": "telegram", "chats": "-1001, -1002",
    }))
    .unwrap();
    assert!(matches!(&t, ChannelConfig::Telegram { chats, .. } if chats == &["-1001", "-1002"]));
    let t: ChannelConfig =
        serde_json::from_value(serde_json::json!({"network": "telegram", "chats": -1001})).unwrap();
    assert!(matches!(&t, ChannelConfig::Telegram { chats, .. } if chats == &["-1001"]));
    assert!(
        serde_json::from_value::<ChannelConfig>(serde_json::json!({"network": "telegram"})).is_ok()
    );
    assert!(
        serde_json::from_value::<ChannelConfig>(
            serde_json::json!({"network": "discord", "guild_id": 1.5})
        )
        .is_err()
    );
}

#[test]
fn bluesky_settings_refuse_hostile_values_naming_the_setting() {
    let ok = ChannelConfig::Bluesky {
        service: "https://bsky.social".into(),
        handle: "brand.bsky.social".into(),
        firehose: None,
    };
    assert!(ok.validate().is_ok());
    assert_eq!(ok.kind(), ChannelKind::Bluesky);
    let json = serde_json::to_value(&ok).unwrap();
    assert_eq!(json["network"], "bluesky");
    let bad = [
        ("bluesky.service", "ftp://x", "a.b", None),
        ("bluesky.service", "https://", "a.b", None),
        ("bluesky.handle", "https://bsky.social", "-a.b", None),
        ("bluesky.handle", "https://bsky.social", "nodot", None),
        (
            "bluesky.firehose",
            "https://bsky.social",
            "a.b",
            Some("file:///etc"),
        ),
    ];
    for (name, service, handle, firehose) in bad {
        let c = ChannelConfig::Bluesky {
            service: service.into(),
            handle: handle.into(),
            firehose: firehose.map(Into::into),
        };
        assert!(
            matches!(c.validate(), Err(ChannelError::Permanent(r)) if r.starts_with(name)),
            "{c:?}"
        );
    }
    assert!(connect(&ok, &Credentials::None).is_err());
}
