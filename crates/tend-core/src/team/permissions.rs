//! Who may do what: the one table of permissions (role × [`Permission`]), the
//! [`Actor`] every use case takes, and [`Actor::require`], the only place a role is
//! turned into yes or no.
//!
//! Pages, the JSON API, the CLI and background jobs all ask the table through an
//! `Actor`; none of them keeps its own list of roles. `docs/permissions.md` is the
//! same table as markdown, kept in step by a unit test (`UPDATE_EXPECT=1` rewrites it).

use tend_domain::{Role, UserId, WorkspaceId};

/// Something a role may or may not do in a workspace. The set is closed: a new
/// capability adds its rows here and to [`GRANTS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    /// Read the inbox and conversations (messages, tags, replies, history).
    ReadInbox,
    /// Read teammates' internal notes on conversations.
    ReadNotes,
    /// Change a conversation: state, tags, assignment, sentiment corrections, bulk actions.
    WorkInbox,
    /// Write internal notes.
    WriteNotes,
    /// Queue a reply in the brand's name.
    Reply,
    /// Read the review queue and the moderation decisions.
    ReadReviewQueue,
    /// Decide review items (approve, remove, escalate).
    Moderate,
    /// Read the rule sources and their versions.
    ReadRules,
    /// Save rule sets and dry-run them.
    EditRules,
    /// Make a saved rule set the live one.
    MakeRulesLive,
    /// See listening topics with their queries.
    ReadTopics,
    /// Create, change and delete listening topics.
    ManageTopics,
    /// Read dashboards and reports (listening figures, charts, alerts).
    ReadDashboards,
    /// Create and revoke one's own API tokens.
    ManageApiTokens,
    /// Administer the workspace: guidelines, webhooks, teammates, settings.
    Administer,
}

const A: Role = Role::Admin;
const S: Role = Role::SocialMediaManager;
const C: Role = Role::CommunityManager;
const N: Role = Role::Analyst;
const K: Role = Role::Client;

/// The one table: each permission with the roles that have it. Every permission
/// appears once, in the order of [`Permission::ALL`] (a test checks).
pub const GRANTS: [(Permission, &[Role]); 15] = [
    (Permission::ReadInbox, &[A, S, C, N, K]),
    (Permission::ReadNotes, &[A, S, C, N]),
    (Permission::WorkInbox, &[A, S, C]),
    (Permission::WriteNotes, &[A, S, C]),
    (Permission::Reply, &[A, S, C]),
    (Permission::ReadReviewQueue, &[A, S, C, N]),
    (Permission::Moderate, &[A, S, C]),
    (Permission::ReadRules, &[A, S, C, N]),
    (Permission::EditRules, &[A, S, C]),
    (Permission::MakeRulesLive, &[A, S]),
    (Permission::ReadTopics, &[A, S, C, N]),
    (Permission::ManageTopics, &[A, S, C, N]),
    (Permission::ReadDashboards, &[A, S, C, N, K]),
    (Permission::ManageApiTokens, &[A, S, C, N]),
    (Permission::Administer, &[A]),
];

impl Permission {
    /// Every permission, in table order.
    pub const ALL: [Permission; 15] = [
        Permission::ReadInbox,
        Permission::ReadNotes,
        Permission::WorkInbox,
        Permission::WriteNotes,
        Permission::Reply,
        Permission::ReadReviewQueue,
        Permission::Moderate,
        Permission::ReadRules,
        Permission::EditRules,
        Permission::MakeRulesLive,
        Permission::ReadTopics,
        Permission::ManageTopics,
        Permission::ReadDashboards,
        Permission::ManageApiTokens,
        Permission::Administer,
    ];

    /// The stable name (kebab-case; the UI's "why not" line is `why-not-<name>`).
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ReadInbox => "read-inbox",
            Permission::ReadNotes => "read-notes",
            Permission::WorkInbox => "work-inbox",
            Permission::WriteNotes => "write-notes",
            Permission::Reply => "reply",
            Permission::ReadReviewQueue => "read-review-queue",
            Permission::Moderate => "moderate",
            Permission::ReadRules => "read-rules",
            Permission::EditRules => "edit-rules",
            Permission::MakeRulesLive => "make-rules-live",
            Permission::ReadTopics => "read-topics",
            Permission::ManageTopics => "manage-topics",
            Permission::ReadDashboards => "read-dashboards",
            Permission::ManageApiTokens => "manage-api-tokens",
            Permission::Administer => "administer",
        }
    }

    /// What it allows, for people (the table's first column).
    pub fn describe(self) -> &'static str {
        match self {
            Permission::ReadInbox => "read the inbox and conversations",
            Permission::ReadNotes => "read internal notes",
            Permission::WorkInbox => "change state, tag, assign, correct sentiment",
            Permission::WriteNotes => "write internal notes",
            Permission::Reply => "reply in the brand's name",
            Permission::ReadReviewQueue => "read the review queue",
            Permission::Moderate => "decide review items",
            Permission::ReadRules => "read rule sources",
            Permission::EditRules => "save and dry-run rules",
            Permission::MakeRulesLive => "make rules live",
            Permission::ReadTopics => "see listening topics and their queries",
            Permission::ManageTopics => "create, change, delete listening topics",
            Permission::ReadDashboards => "read dashboards and reports",
            Permission::ManageApiTokens => {
                "create API tokens (revoking one's own is always allowed)"
            }
            Permission::Administer => "guidelines, webhooks, team and settings",
        }
    }

    /// The refusal, in English, for API answers and logs.
    pub fn refusal(self) -> &'static str {
        match self {
            Permission::ReadInbox => "your role may not read this inbox",
            Permission::ReadNotes => "your role may not read internal notes",
            Permission::WorkInbox | Permission::WriteNotes | Permission::Reply => {
                "your role is read-only here"
            }
            Permission::ReadReviewQueue => "your role may not see the review queue",
            Permission::Moderate | Permission::EditRules => "your role may not moderate here",
            Permission::ReadRules => "your role may not read the rules",
            Permission::MakeRulesLive => "only admins and social media managers make rules live",
            Permission::ReadTopics => "your role may not see listening topics",
            Permission::ManageTopics => "your role may not manage listening topics",
            Permission::ReadDashboards => "your role may not read dashboards",
            Permission::ManageApiTokens => "your role may not create API tokens",
            Permission::Administer => "only admins may do this",
        }
    }
}

/// Whether `role` has `permission`: a look-up in [`GRANTS`].
pub fn allows(role: Role, permission: Permission) -> bool {
    GRANTS
        .iter()
        .any(|(p, roles)| *p == permission && roles.contains(&role))
}

/// Who acts: a teammate, or Tend itself under a name (automatic actions such as
/// live rules run as `System { name: "rules", .. }`; the operator's CLI as
/// `System { name: "cli", .. }`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// A signed-in teammate (or their API token).
    User(UserId),
    /// Tend itself, named for the audit trail. A note or reply needs a teammate as
    /// its author: `writes_as` is the one it is written in the name of (for live
    /// rules, whoever saved the rule set), `None` when there is none.
    System {
        /// The system actor's name.
        name: &'static str,
        /// The teammate notes and replies are written in the name of.
        writes_as: Option<UserId>,
    },
}

/// Who acts, in which workspace, with which role. Every use case takes one and
/// asks [`Actor::require`] before it does anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// Who.
    pub who: Who,
    /// Where.
    pub workspace: WorkspaceId,
    /// With which role there (a system actor is given one explicitly).
    pub role: Role,
}

/// A refusal: the actor's role lacks the permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", .permission.refusal())]
pub struct Forbidden {
    /// What was missing.
    pub permission: Permission,
    /// The role that lacked it.
    pub role: Role,
}

impl Actor {
    /// A teammate with their role in `workspace`.
    pub fn user(user: UserId, workspace: WorkspaceId, role: Role) -> Actor {
        Actor {
            who: Who::User(user),
            workspace,
            role,
        }
    }

    /// Tend itself, under `name`, acting with `role`'s permissions.
    pub fn system(name: &'static str, workspace: WorkspaceId, role: Role) -> Actor {
        Actor {
            who: Who::System {
                name,
                writes_as: None,
            },
            workspace,
            role,
        }
    }

    /// A system actor that writes notes and replies in `author`'s name (live rules:
    /// the teammate who saved the rule set). A teammate stays themselves.
    pub fn writing_as(self, author: UserId) -> Actor {
        match self.who {
            Who::User(_) => self,
            Who::System { name, .. } => Actor {
                who: Who::System {
                    name,
                    writes_as: Some(author),
                },
                ..self
            },
        }
    }

    /// The teammate, when a person acts (history entries record them; `None` for
    /// a system actor).
    pub fn user_id(&self) -> Option<UserId> {
        match self.who {
            Who::User(id) => Some(id),
            Who::System { .. } => None,
        }
    }

    /// The teammate a note or reply by this actor is written in the name of: the
    /// person, or the one a system actor writes as.
    pub fn author(&self) -> Option<UserId> {
        match self.who {
            Who::User(id) => Some(id),
            Who::System { writes_as, .. } => writes_as,
        }
    }

    /// Whether the role has `permission` (for showing or hiding a control).
    pub fn may(&self, permission: Permission) -> bool {
        allows(self.role, permission)
    }

    /// `Ok` when the role has `permission`, else [`Forbidden`].
    pub fn require(&self, permission: Permission) -> Result<(), Forbidden> {
        if self.may(permission) {
            Ok(())
        } else {
            Err(Forbidden {
                permission,
                role: self.role,
            })
        }
    }
}

/// The table as markdown (the text of `docs/permissions.md`).
pub fn markdown_table() -> String {
    let mut out = String::from(
        "<!-- Generated from tend-core/src/team/permissions.rs (GRANTS); \
         `UPDATE_EXPECT=1 cargo test -p tend-core permissions` rewrites it. -->\n\n",
    );
    out.push_str("| Permission | What it allows |");
    for role in Role::ALL {
        out.push_str(&format!(" {} |", role.as_str()));
    }
    out.push_str("\n|---|---|");
    for _ in Role::ALL {
        out.push_str(":-:|");
    }
    out.push('\n');
    for permission in Permission::ALL {
        out.push_str(&format!(
            "| `{}` | {} |",
            permission.as_str(),
            permission.describe()
        ));
        for role in Role::ALL {
            out.push_str(if allows(role, permission) {
                " ✓ |"
            } else {
                " – |"
            });
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_has_one_row_in_table_order() {
        let listed: Vec<Permission> = GRANTS.iter().map(|(p, _)| *p).collect();
        assert_eq!(listed, Permission::ALL);
    }

    #[test]
    fn admins_may_do_everything_and_clients_only_read() {
        for p in Permission::ALL {
            assert!(allows(Role::Admin, p), "{p:?}");
        }
        let client: Vec<Permission> = Permission::ALL
            .into_iter()
            .filter(|p| allows(Role::Client, *p))
            .collect();
        assert_eq!(
            client,
            [Permission::ReadInbox, Permission::ReadDashboards],
            "issue 13: clients read the inbox and reports, nothing else"
        );
    }

    #[test]
    fn analysts_manage_topics_but_neither_reply_nor_moderate() {
        let analyst = Actor::user(UserId(1), WorkspaceId(1), Role::Analyst);
        assert!(analyst.require(Permission::ManageTopics).is_ok());
        for p in [
            Permission::Reply,
            Permission::Moderate,
            Permission::EditRules,
        ] {
            let refused = analyst.require(p).unwrap_err();
            assert_eq!(refused.permission, p);
            assert_eq!(refused.role, Role::Analyst);
        }
    }

    #[test]
    fn a_system_actor_has_no_user_but_may_write_as_one() {
        let rules = Actor::system("rules", WorkspaceId(1), Role::CommunityManager);
        assert_eq!(rules.user_id(), None);
        assert_eq!(rules.author(), None);
        let rules = rules.writing_as(UserId(7));
        assert_eq!(rules.user_id(), None, "history records no person");
        assert_eq!(rules.author(), Some(UserId(7)));
        let anna = Actor::user(UserId(3), WorkspaceId(1), Role::Admin).writing_as(UserId(7));
        assert_eq!(anna.author(), Some(UserId(3)));
    }

    /// `docs/permissions.md` is the table; `UPDATE_EXPECT=1` rewrites it.
    #[test]
    fn the_markdown_copy_of_the_permissions_table_is_up_to_date() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/permissions.md");
        let expected = markdown_table();
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(path, &expected).unwrap();
        }
        let found = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            found == expected,
            "docs/permissions.md is out of date; run UPDATE_EXPECT=1 cargo test -p tend-core \
             permissions, or paste:\n{expected}"
        );
    }
}
