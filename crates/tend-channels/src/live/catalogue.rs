//! What each network of the seeds can do in Tend, and how that is known: the
//! facts behind the Channels page's "what you need" notes and the README's
//! network table. The prose lives in the locales
//! (`network-needs-{name}`, `network-limits-{name}`); this table holds only
//! facts, checked by tests against [`super::ChannelConfig`] and the README.

use tend_domain::ChannelKind;

/// How Tend reads a network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// Held open: the network pushes (firehose, `/sync`, IDLE, streaming, gateway).
    Stream,
    /// Asked at an interval.
    Poll,
    /// Only from the network's exports (no open read API for a brand).
    Import,
}

/// How a network's connector is tested here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tested {
    /// Against the network's own server software, started by the test command.
    RealServer,
    /// Against a fake replaying recorded real payloads with the network's rules;
    /// the network can be switched on without an app review.
    Fake,
    /// Against a fake built from the documented payloads; going live needs the
    /// network's app review, which a workspace must obtain itself.
    Contract,
    /// Through its export files only.
    Import,
    /// Tend's own demo network.
    Simulated,
}

/// One network's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct About {
    /// The name in `ChannelConfig` (`network = …`), or for an import-only
    /// network the import format's name.
    pub name: &'static str,
    /// The platform its messages belong to.
    pub kind: ChannelKind,
    /// How it is read.
    pub read: Read,
    /// Replies go out through it.
    pub reply: bool,
    /// New posts (not replies) can be published through it.
    pub publish: bool,
    /// Tend can delete (or hide) on it.
    pub delete: bool,
    /// How it is tested.
    pub tested: Tested,
}

impl About {
    /// Whether a workspace can connect it (not an import-only network).
    pub fn connectable(&self) -> bool {
        self.read != Read::Import
    }

    /// The locale key of what a workspace must obtain to switch it on.
    pub fn needs_key(&self) -> String {
        format!("network-needs-{}", self.name)
    }

    /// The locale key of its rate limits and quotas.
    pub fn limits_key(&self) -> String {
        format!("network-limits-{}", self.name)
    }
}

/// Every network, in the order the page and the README show them.
pub const NETWORKS: &[About] = &[
    About {
        name: "simulated",
        kind: ChannelKind::Other,
        read: Read::Poll,
        reply: true,
        publish: false,
        delete: false,
        tested: Tested::Simulated,
    },
    About {
        name: "mastodon",
        kind: ChannelKind::Mastodon,
        read: Read::Stream,
        reply: true,
        publish: true,
        delete: true,
        tested: Tested::Fake,
    },
    About {
        name: "bluesky",
        kind: ChannelKind::Bluesky,
        read: Read::Stream,
        reply: true,
        publish: true,
        delete: true,
        tested: Tested::RealServer,
    },
    About {
        name: "matrix",
        kind: ChannelKind::Matrix,
        read: Read::Stream,
        reply: true,
        publish: true,
        delete: true,
        tested: Tested::RealServer,
    },
    About {
        name: "email",
        kind: ChannelKind::Email,
        read: Read::Stream,
        reply: true,
        publish: false,
        delete: false,
        tested: Tested::RealServer,
    },
    About {
        name: "rss",
        kind: ChannelKind::Rss,
        read: Read::Poll,
        reply: false,
        publish: false,
        delete: false,
        tested: Tested::Fake,
    },
    About {
        name: "discord",
        kind: ChannelKind::Discord,
        read: Read::Stream,
        reply: true,
        publish: true,
        delete: true,
        tested: Tested::Fake,
    },
    About {
        name: "telegram",
        kind: ChannelKind::Telegram,
        read: Read::Stream,
        reply: true,
        publish: true,
        delete: true,
        tested: Tested::Fake,
    },
    About {
        name: "discourse",
        kind: ChannelKind::Discourse,
        read: Read::Poll,
        reply: true,
        publish: true,
        delete: true,
        tested: Tested::Fake,
    },
    About {
        name: "stackexchange",
        kind: ChannelKind::Stackexchange,
        read: Read::Poll,
        reply: false,
        publish: false,
        delete: false,
        tested: Tested::Fake,
    },
    About {
        name: "reddit",
        kind: ChannelKind::Reddit,
        read: Read::Poll,
        reply: true,
        publish: true,
        delete: true,
        // The fake replays recorded payloads, but since November 2025 new
        // API access needs Reddit's approval, which a workspace must obtain.
        tested: Tested::Contract,
    },
    About {
        name: "youtube",
        kind: ChannelKind::Youtube,
        read: Read::Poll,
        reply: true,
        // Video uploads are not offered; a new top-level comment is not a post.
        publish: false,
        delete: true,
        // A workspace's own Google project works unverified (refresh tokens
        // then last 7 days); verification is for long-lived production use.
        tested: Tested::Fake,
    },
    About {
        name: "x",
        kind: ChannelKind::X,
        read: Read::Poll,
        reply: true,
        publish: true,
        delete: true,
        tested: Tested::Contract,
    },
    About {
        name: "facebook",
        kind: ChannelKind::Facebook,
        read: Read::Poll,
        reply: true,
        publish: true,
        delete: true,
        tested: Tested::Contract,
    },
    About {
        name: "instagram",
        kind: ChannelKind::Instagram,
        read: Read::Poll,
        reply: true,
        publish: true,
        delete: true,
        tested: Tested::Contract,
    },
    About {
        name: "threads",
        kind: ChannelKind::Threads,
        read: Read::Poll,
        reply: true,
        publish: true,
        delete: true,
        tested: Tested::Contract,
    },
    About {
        name: "linkedin",
        kind: ChannelKind::Linkedin,
        read: Read::Poll,
        reply: true,
        publish: true,
        delete: true,
        tested: Tested::Contract,
    },
    About {
        name: "tiktok",
        kind: ChannelKind::Tiktok,
        // The account's own videos: TikTok gives a business app no comment
        // read or write, and its API deletes nothing.
        read: Read::Poll,
        reply: false,
        // Private (SELF_ONLY) until TikTok audits the workspace's app.
        publish: true,
        delete: false,
        tested: Tested::Contract,
    },
    About {
        name: "google-play",
        kind: ChannelKind::Reviews,
        read: Read::Import,
        reply: false,
        publish: false,
        delete: false,
        tested: Tested::Import,
    },
    About {
        name: "app-store",
        kind: ChannelKind::Reviews,
        read: Read::Import,
        reply: false,
        publish: false,
        delete: false,
        tested: Tested::Import,
    },
    About {
        name: "trustpilot",
        kind: ChannelKind::Reviews,
        read: Read::Import,
        reply: false,
        publish: false,
        delete: false,
        tested: Tested::Import,
    },
    About {
        name: "quora",
        kind: ChannelKind::Quora,
        read: Read::Import,
        reply: false,
        publish: false,
        delete: false,
        tested: Tested::Import,
    },
    // Networks of the next rows are added one line-block each; keep this
    // comment last so parallel additions do not touch the same lines.
];

/// The row of a network by its name.
pub fn about(name: &str) -> Option<&'static About> {
    NETWORKS.iter().find(|a| a.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = NETWORKS.iter().map(|a| a.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "a network is listed twice");
    }

    #[test]
    fn every_connectable_network_has_a_row_and_every_row_is_connectable_or_import() {
        // The networks ChannelConfig accepts, read from serde's own error.
        let err = serde_json::from_value::<super::super::ChannelConfig>(
            serde_json::json!({"network": "\u{0}"}),
        )
        .unwrap_err()
        .to_string();
        let connectable: Vec<&About> = NETWORKS.iter().filter(|a| a.connectable()).collect();
        for a in &connectable {
            assert!(
                err.contains(&format!("`{}`", a.name)),
                "{} is in the catalogue but not in ChannelConfig: {err}",
                a.name
            );
        }
        let listed = err.matches('`').count() / 2 - 1; // minus the refused value
        assert_eq!(
            listed,
            connectable.len(),
            "every ChannelConfig network needs a catalogue row: {err}"
        );
    }

    #[test]
    fn the_readme_table_matches_the_catalogue() {
        let readme = include_str!("../../../../README.md");
        let start = readme
            .find("| Network | Read | Reply | Publish | Tested |")
            .expect("the README's network table");
        let rows: Vec<Vec<&str>> = readme[start..]
            .lines()
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .map(|l| l.trim_matches('|').split('|').map(str::trim).collect())
            .collect();
        let yes = |b: bool| if b { "yes" } else { "—" };
        let mut seen = Vec::new();
        for row in &rows {
            let name = row[0]
                .split('`')
                .nth(1)
                .unwrap_or_else(|| panic!("README row without a `name`: {row:?}"));
            let about = about(name)
                .unwrap_or_else(|| panic!("README lists {name}, the catalogue does not"));
            let read = match about.read {
                Read::Stream => "streamed",
                Read::Poll => "polled",
                Read::Import => "import",
            };
            let tested = match about.tested {
                Tested::RealServer => "real server",
                Tested::Fake => "fake",
                Tested::Contract => "contract",
                Tested::Import => "import",
                Tested::Simulated => "simulated",
            };
            assert_eq!(
                (row[1], row[2], row[3], row[4]),
                (read, yes(about.reply), yes(about.publish), tested),
                "README row of {name} (read, reply, publish, tested)"
            );
            assert!(!row[5].is_empty(), "README row of {name} says nothing");
            seen.push(name);
        }
        for a in NETWORKS {
            assert!(seen.contains(&a.name), "README has no row for {}", a.name);
        }
    }
}
