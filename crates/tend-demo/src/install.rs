//! Storing the demo: the `demo` workspace, its teammates (one fresh password printed
//! at every run), its channels, every message through the ingest pipeline, people
//! on several platforms merged into one member, the team's triage, and the manifest.
//!
//! Create or reuse: the manifest is saved first (incomplete, with its anchor) and
//! marked complete at the end. A run that finds a complete manifest with the same
//! seed and scale reuses the data as is and only resets the passwords; one that
//! finds an incomplete manifest (an interrupted run) generates the same data again
//! from the stored anchor and stores it again, which changes nothing that is
//! already there (the pipeline is idempotent on channel and external id, merging
//! and triage skip what is done). Another seed is refused.

use super::{Demo, DemoError, DemoManifest, SLUG, TIME_ZONE, WORKSPACE_NAME, finish, generate};
use jiff::Timestamp;
use rand::Rng as _;
use secrecy::SecretString;
use tend_core::accounts;
use tend_domain::{Channel, Email, IncomingItem, NewChannel, NewWorkspace, Role, Slug, Workspace};
use tend_store::StoreError;
use tend_store::prelude::*;

/// A teammate of the demo workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Teammate {
    /// Login e-mail.
    pub email: &'static str,
    /// Name.
    pub name: &'static str,
    /// Role in the demo workspace.
    pub role: Role,
    /// Interface language.
    pub locale: &'static str,
}

/// The demo team; the first is the admin whose login `tend demo` prints.
pub const TEAM: [Teammate; 5] = [
    Teammate {
        email: "demo@example.org",
        name: "Alex Demo",
        role: Role::Admin,
        locale: "en",
    },
    Teammate {
        email: "sofia@example.org",
        name: "Sofia Ek",
        role: Role::SocialMediaManager,
        locale: "sv",
    },
    Teammate {
        email: "jonas@example.org",
        name: "Jonas Berg",
        role: Role::CommunityManager,
        locale: "sv",
    },
    Teammate {
        email: "priya@example.org",
        name: "Priya Nair",
        role: Role::Analyst,
        locale: "en",
    },
    Teammate {
        email: "kim@example.org",
        name: "Kim Client",
        role: Role::Client,
        locale: "en",
    },
];

/// How to log in: every teammate of [`TEAM`] has this password.
#[derive(Debug)]
pub struct DemoLogin {
    /// The admin's e-mail.
    pub email: &'static str,
    /// The password, generated at this run.
    pub password: SecretString,
}

/// What `install` did.
#[derive(Debug)]
pub struct Installed {
    /// The workspace.
    pub workspace: Workspace,
    /// Its manifest (complete).
    pub manifest: DemoManifest,
    /// True when an earlier run's data was reused untouched.
    pub reused: bool,
    /// The login.
    pub login: DemoLogin,
}

/// Progress of `install`, for the caller to show.
#[derive(Debug)]
pub enum Progress<'a> {
    /// Generating the data (deterministic, a second or two).
    Generating { seed: u64, anchor: Timestamp },
    /// A batch of a channel is stored.
    Batch {
        channel: &'a str,
        done: usize,
        total: usize,
    },
    /// A channel is stored.
    Channel {
        channel: &'a str,
        kind: &'a str,
        messages: u64,
        seconds: f64,
    },
    /// Merging people's identities.
    Linking { groups: usize },
    /// Setting inbox states, assignees and tags.
    Triage { channel: &'a str },
}

/// Creates (or reuses) the demo workspace for `seed` (see the module docs); `now`
/// truncated to the hour becomes the anchor of a new demo.
pub async fn install(
    store: &dyn Store,
    seed: u64,
    scale: f64,
    now: Timestamp,
    on: &mut (dyn FnMut(Progress<'_>) + Send),
) -> Result<Installed, DemoError> {
    let workspace = match store.workspace_by_slug(SLUG).await {
        Ok(ws) => ws,
        Err(StoreError::NotFound) => {
            let new = NewWorkspace::new(Slug::parse(SLUG)?, WORKSPACE_NAME, TIME_ZONE)?;
            store.create_workspace(&new).await?
        }
        Err(e) => return Err(e.into()),
    };
    let anchor = match store.demo_manifest(workspace.id).await? {
        Some(json) => {
            let stored: DemoManifest = serde_json::from_str(&json)?;
            if stored.seed != seed || stored.scale != scale {
                return Err(DemoError::OtherDemo {
                    seed: stored.seed,
                    scale: stored.scale,
                });
            }
            if stored.complete {
                super::topics::install_topics(store, workspace.id).await?;
                let login = reset_logins(store, &workspace).await?;
                return Ok(Installed {
                    workspace,
                    manifest: stored,
                    reused: true,
                    login,
                });
            }
            stored.anchor
        }
        None if !store.channels(workspace.id).await?.is_empty() => return Err(DemoError::NotDemo),
        None => {
            let ms = now.as_millisecond();
            Timestamp::from_millisecond(ms - ms.rem_euclid(3_600_000))?
        }
    };
    let login = reset_logins(store, &workspace).await?;
    on(Progress::Generating { seed, anchor });
    let demo = generate(seed, anchor, scale)?;
    store
        .save_demo_manifest(workspace.id, &serde_json::to_string(&demo.manifest)?)
        .await?;
    let channels = store_channels(store, &workspace, &demo, on).await?;
    on(Progress::Linking {
        groups: demo.links.len(),
    });
    finish::link_members(store, &workspace, &demo.links).await?;
    finish::triage(store, &workspace, &demo, &channels, on).await?;
    super::topics::install_topics(store, workspace.id).await?;
    let mut manifest = demo.manifest;
    manifest.complete = true;
    store
        .save_demo_manifest(workspace.id, &serde_json::to_string(&manifest)?)
        .await?;
    Ok(Installed {
        workspace,
        manifest,
        reused: false,
        login,
    })
}

/// Gives every teammate of [`TEAM`] (created if missing) a new random password and
/// their role in the workspace.
async fn reset_logins(store: &dyn Store, workspace: &Workspace) -> Result<DemoLogin, DemoError> {
    let password = new_password();
    for mate in &TEAM {
        let user = match store.user_credentials(&Email::parse(mate.email)?).await {
            Ok((user, _)) => {
                let hash = accounts::hash_password(&password)?;
                store.set_password_hash(user.id, &hash).await?;
                user
            }
            Err(StoreError::NotFound) => {
                accounts::create_user(store, mate.email, mate.name, mate.locale, &password).await?
            }
            Err(e) => return Err(e.into()),
        };
        store.grant_role(user.id, workspace.id, mate.role).await?;
    }
    Ok(DemoLogin {
        email: TEAM[0].email,
        password,
    })
}

/// A random password of 20 letters and digits in groups of five (about 100 bits).
fn new_password() -> SecretString {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let mut out = String::with_capacity(23);
    for i in 0..20 {
        if i > 0 && i % 5 == 0 {
            out.push('-');
        }
        out.push(char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]));
    }
    SecretString::from(out)
}

/// Creates the channels that are missing and stores their items.
async fn store_channels(
    store: &dyn Store,
    workspace: &Workspace,
    demo: &Demo,
    on: &mut (dyn FnMut(Progress<'_>) + Send),
) -> Result<Vec<Channel>, DemoError> {
    let existing = store.channels(workspace.id).await?;
    let mut channels = Vec::new();
    for (c, truth) in demo.channels.iter().zip(&demo.manifest.channels) {
        let channel = match existing.iter().find(|e| e.name == c.name) {
            Some(e) => e.clone(),
            None => {
                let mut new = NewChannel::new(workspace.id, c.kind, &c.name)?;
                new.handle = c.handle.clone();
                store.create_channel(&new).await?
            }
        };
        let started = std::time::Instant::now();
        let stored = ingest(store, &channel, c.items.clone(), on).await?;
        if stored != truth.messages {
            return Err(DemoError::Mismatch(format!(
                "{}: {stored} messages stored, {} generated",
                c.name, truth.messages
            )));
        }
        on(Progress::Channel {
            channel: &c.name,
            kind: c.kind.as_str(),
            messages: stored,
            seconds: started.elapsed().as_secs_f64(),
        });
        channels.push(channel);
    }
    Ok(channels)
}

/// The one place the demo calls the ingest pipeline; returns the messages stored
/// (new or already there) and refuses any rejection.
async fn ingest(
    store: &dyn Store,
    channel: &Channel,
    items: Vec<IncomingItem>,
    on: &mut (dyn FnMut(Progress<'_>) + Send),
) -> Result<u64, DemoError> {
    let name = channel.name.clone();
    let report = tend_core::ingest::ingest(
        store,
        channel,
        items,
        tend_core::ingest::DEFAULT_BATCH,
        &mut |e| {
            on(Progress::Batch {
                channel: &name,
                done: e.done,
                total: e.total.unwrap_or(e.done),
            })
        },
    )
    .await?;
    if let Some(first) = report.rejected.first() {
        return Err(DemoError::Mismatch(format!(
            "{}: {} items rejected, first: {first}",
            channel.name,
            report.rejected.len()
        )));
    }
    Ok(report.created + report.edited + report.updated + report.unchanged)
}
