//! A short-lived cache of what nearly every page reads but rarely changes: the
//! session behind a cookie, a teammate's membership of a workspace and their list
//! of workspaces, and a workspace's channels, tags and team. It saves six of the
//! nine queries of an inbox page.
//!
//! Staleness is bounded two ways: every entry expires after [`TTL`], and every
//! state-changing request this process handles (any method but GET/HEAD/OPTIONS,
//! logout and role changes included) empties the whole cache before it runs, so
//! this process's own writes are seen at once. Changes made by another process (a
//! `tend user` or `tend import` command, a second server on PostgreSQL) are seen
//! within [`TTL`]; that includes a revoked session or role, which is why it is short.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tend_domain::{Channel, Role, Session, Tag, User, UserId, Workspace, WorkspaceId};

/// How long an entry may be served.
pub const TTL: Duration = Duration::from_secs(2);

/// Entries kept per map before it is emptied (a bound, not a tuning knob).
const MAX_ENTRIES: usize = 10_000;

/// One map of expiring entries.
struct Ttl<K, V> {
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Hash + Eq, V: Clone> Ttl<K, V> {
    fn new() -> Ttl<K, V> {
        Ttl {
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, (Instant, V)>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, key: &K) -> Option<V> {
        let entries = self.lock();
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < TTL)
            .map(|(_, v)| v.clone())
    }

    fn put(&self, key: K, value: V) {
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, (Instant::now(), value));
    }

    fn clear(&self) {
        self.lock().clear();
    }
}

/// The workspace data shown around every inbox page.
#[derive(Clone)]
pub struct Surroundings {
    pub channels: Vec<Channel>,
    pub tags: Vec<Tag>,
    pub team: Vec<(User, Role)>,
}

/// The caches of one server process.
pub struct ReadCache {
    sessions: Ttl<String, (Session, User)>,
    memberships: Ttl<(UserId, String), (Workspace, Role)>,
    workspaces_of: Ttl<UserId, Vec<(Workspace, Role)>>,
    surroundings: Ttl<WorkspaceId, Surroundings>,
}

impl Default for ReadCache {
    fn default() -> ReadCache {
        ReadCache {
            sessions: Ttl::new(),
            memberships: Ttl::new(),
            workspaces_of: Ttl::new(),
            surroundings: Ttl::new(),
        }
    }
}

impl ReadCache {
    /// Empties every map (before a state-changing request).
    pub fn clear(&self) {
        self.sessions.clear();
        self.memberships.clear();
        self.workspaces_of.clear();
        self.surroundings.clear();
    }

    pub fn session(&self, cookie: &str) -> Option<(Session, User)> {
        self.sessions.get(&cookie.to_owned())
    }

    pub fn put_session(&self, cookie: &str, found: (Session, User)) {
        self.sessions.put(cookie.to_owned(), found);
    }

    pub fn membership(&self, user: UserId, slug: &str) -> Option<(Workspace, Role)> {
        self.memberships.get(&(user, slug.to_owned()))
    }

    pub fn put_membership(&self, user: UserId, slug: &str, found: (Workspace, Role)) {
        self.memberships.put((user, slug.to_owned()), found);
    }

    pub fn workspaces_of(&self, user: UserId) -> Option<Vec<(Workspace, Role)>> {
        self.workspaces_of.get(&user)
    }

    pub fn put_workspaces_of(&self, user: UserId, list: Vec<(Workspace, Role)>) {
        self.workspaces_of.put(user, list);
    }

    pub fn surroundings(&self, workspace: WorkspaceId) -> Option<Surroundings> {
        self.surroundings.get(&workspace)
    }

    pub fn put_surroundings(&self, workspace: WorkspaceId, s: Surroundings) {
        self.surroundings.put(workspace, s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_served_until_cleared() {
        let cache: Ttl<u32, &str> = Ttl::new();
        cache.put(1, "one");
        assert_eq!(cache.get(&1), Some("one"));
        assert_eq!(cache.get(&2), None);
        cache.clear();
        assert_eq!(cache.get(&1), None);
    }

    #[test]
    fn the_map_is_bounded() {
        let cache: Ttl<usize, usize> = Ttl::new();
        for i in 0..=MAX_ENTRIES {
            cache.put(i, i);
        }
        assert!(cache.lock().len() <= MAX_ENTRIES);
        assert_eq!(cache.get(&MAX_ENTRIES), Some(MAX_ENTRIES));
    }
}
