//! What a fired rule asks for: plain data with placeholders already expanded, for the caller
//! to turn into store writes, replies and notifications.

/// Which object an action applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// The item the rule looked at.
    Item,
    /// The thread's first post (a `parent_submission:` group on a comment rule).
    ParentSubmission,
    /// The item's author (an `author:` group: flair).
    Author,
}

/// Who a `notify:` action goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotifyTarget {
    /// A teammate, by the name written in the rule.
    Teammate(String),
    /// An HTTP(S) webhook URL.
    Webhook(String),
}

/// One thing a fired rule does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Approve (restore) the item. Only emitted when it would change something (spec §8): the
    /// item was removed by a filter, or it is reported and the rule has a `reports:` check.
    Approve {
        target: Target,
        reason: Option<String>,
    },
    /// Remove the item.
    Remove {
        target: Target,
        reason: Option<String>,
    },
    /// Remove the item as spam.
    Spam {
        target: Target,
        reason: Option<String>,
    },
    /// AutoModerator's `filter`: hide the item and put it in the review queue until a teammate
    /// decides — in Tend terms, `hide` plus `flag`.
    Filter {
        target: Target,
        reason: Option<String>,
    },
    /// Report the item to the team (`action: report`), with `action_reason` as the reason.
    Report {
        target: Target,
        reason: Option<String>,
    },
    /// Set flair. `text`/`css_class` are `None` when the rule leaves them unchanged.
    SetFlair {
        target: Target,
        text: Option<String>,
        css_class: Option<String>,
        /// Replace flair that is already set (otherwise leave existing flair alone).
        overwrite: bool,
    },
    /// Lock or unlock the item (no more replies).
    SetLocked { target: Target, locked: bool },
    /// Post a distinguished reply as the moderation bot (`comment:`).
    Comment { body: String },
    /// Notify the moderators (`modmail:`).
    Modmail { subject: String, body: String },
    /// Send the author a private message (`message:`).
    Message { subject: String, body: String },
    /// Tend: hide the item from the channel.
    Hide,
    /// Tend: put the item in the review queue.
    Flag { reason: Option<String> },
    /// Tend: add tags.
    Tag { names: Vec<String> },
    /// Tend: assign the conversation to a teammate.
    Assign { teammate: String },
    /// Tend: reply to the item as the brand.
    Reply { body: String },
    /// Tend: notify a teammate or call a webhook.
    Notify { to: NotifyTarget },
    /// Tend: escalate to the workspace's escalation queue.
    Escalate { reason: Option<String> },
}
