//! Stack Exchange data dumps (the per-site archive from archive.org / the
//! "data dump" download): a directory holding `Users.xml`, `Posts.xml` and
//! `Comments.xml`, each one `<row .../>` per record, read as a stream.
//!
//! Mapping:
//! - `Users.xml` rows become [`IncomingItem::Author`] (reputation as `followers`,
//!   `DisplayName` as handle and display name, the numeric `Id` as external id,
//!   `<site>/users/<Id>` as profile link when the site is known). They come
//!   first in the output.
//! - Questions (`PostTypeId` 1) become thread roots (`ForumPost` with `Title`);
//!   answers (2) reply to their question (`ParentId`), which is also their
//!   thread. Other post types (tag wikis and excerpts 4/5, orphaned tag wikis 3,
//!   moderator nominations 6, wiki placeholders 7, privilege wikis 8) are
//!   imported as stand-alone `ForumPost` roots, since comments may hang off them;
//!   they may be empty (an undescribed tag's wiki is a post with `Body=""`). A
//!   question or answer without text or title is rejected.
//! - Comments become `Comment`s whose parent is their `PostId` and whose thread
//!   is that post's question. A comment on a post that is not in the import
//!   (absent or rejected) is rejected, so every link refers to an imported item.
//! - External ids are `post-<Id>` and `comment-<Id>` (post and comment ids are
//!   separate sequences on Stack Exchange).
//! - Authors: `OwnerUserId`/`UserId` → the user from `Users.xml` (or, if the user
//!   is not there, an author with that id and the row's display name or
//!   `user<Id>`). Deleted users have no id but an `OwnerDisplayName` /
//!   `UserDisplayName` (often `user1234`): they become a handle-only author whose
//!   external id is that name, as the `IncomingAuthor` contract says for
//!   platforms without an id. No id and no name → `author: None`.
//! - Bodies are HTML and become plain text; comment `Text` is already plain.
//!   `Score` → likes, `ViewCount` → views, `AnswerCount` + `CommentCount` →
//!   replies, `LastEditDate` → edited. Dates without a zone are UTC.
//!
//! `Posts.xml` is required; `Users.xml` and `Comments.xml` are read when present.
//! The dump does not name its site. [`read`] takes it from the directory name when
//! that is a Stack Exchange host name (`history.meta.stackexchange.com`), and
//! [`read_with_site`] takes it explicitly; without it there are no links.

mod rows;

use crate::import::html;
use crate::import::{Import, ImportError, Location, MAX_FILE_BYTES, MAX_TEXT_BYTES, Rejected};
use jiff::Timestamp;
use rows::{Row, clip, each_row};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingItem, IncomingMessage, MessageKind,
};

pub use rows::MAX_ROW_BYTES;

/// Reads a dump directory (or the directory of a given `Posts.xml`); the site
/// for links is guessed from the directory name (see the module docs).
pub fn read(path: &Path) -> Result<Import, ImportError> {
    let dir = dump_dir(path);
    let site = site_from_dir_name(&dir);
    read_with_site(&dir, site.as_deref())
}

/// Reads a dump directory with an explicit site base URL for profile links and
/// permalinks, e.g. `https://history.meta.stackexchange.com`.
pub fn read_with_site(path: &Path, site: Option<&str>) -> Result<Import, ImportError> {
    let dir = dump_dir(path);
    let mut dump = Dump::new(site);
    let users = dir.join("Users.xml");
    if users.exists() {
        let reader = open(&users)?;
        dump.read_users(reader, &users)?;
    }
    let posts = dir.join("Posts.xml");
    let reader = open(&posts)?;
    dump.read_posts(reader, &posts)?;
    let comments = dir.join("Comments.xml");
    if comments.exists() {
        let reader = open(&comments)?;
        dump.read_comments(reader, &comments)?;
    }
    Ok(dump.import)
}

/// Reads the content of a `Posts.xml` alone (no users, so authors are built
/// from the ids and names on the rows); `file` names it in errors. Used by the
/// fuzz target and for partial dumps.
pub fn read_posts<R: BufRead>(reader: R, file: &Path) -> Result<Import, ImportError> {
    let mut dump = Dump::new(None);
    dump.read_posts(reader, file)?;
    Ok(dump.import)
}

/// The state of one import: users seen, and each imported post's thread root.
struct Dump {
    site: Option<String>,
    users: HashMap<i64, IncomingAuthor>,
    /// Post id → id of its thread root (itself for roots).
    post_roots: HashMap<i64, i64>,
    import: Import,
}

impl Dump {
    fn new(site: Option<&str>) -> Self {
        Dump {
            site: site.map(|s| s.trim_end_matches('/').to_string()),
            users: HashMap::new(),
            post_roots: HashMap::new(),
            import: Import::default(),
        }
    }

    fn read_users<R: BufRead>(&mut self, reader: R, file: &Path) -> Result<(), ImportError> {
        let mut rejected = Vec::new();
        each_row(reader, file, "users", &mut rejected, |row| {
            match self.user(&row) {
                Ok(author) => {
                    if let Ok(id) = author.external_id.parse::<i64>() {
                        self.users.insert(id, author.clone());
                    }
                    self.import.items.push(IncomingItem::Author(author));
                }
                Err(rejection) => self.import.rejected.push(rejection),
            }
        })?;
        self.import.rejected.extend(rejected);
        Ok(())
    }

    fn read_posts<R: BufRead>(&mut self, reader: R, file: &Path) -> Result<(), ImportError> {
        let mut rejected = Vec::new();
        each_row(reader, file, "posts", &mut rejected, |row| {
            match self.post(&row) {
                Ok(message) => self.import.items.push(IncomingItem::Message(message)),
                Err(rejection) => self.import.rejected.push(rejection),
            }
        })?;
        self.import.rejected.extend(rejected);
        Ok(())
    }

    fn read_comments<R: BufRead>(&mut self, reader: R, file: &Path) -> Result<(), ImportError> {
        let mut rejected = Vec::new();
        each_row(reader, file, "comments", &mut rejected, |row| {
            match self.comment(&row) {
                Ok(message) => self.import.items.push(IncomingItem::Message(message)),
                Err(rejection) => self.import.rejected.push(rejection),
            }
        })?;
        self.import.rejected.extend(rejected);
        Ok(())
    }

    fn user(&self, row: &Row) -> Result<IncomingAuthor, Rejected> {
        let id = row.required_int("Id")?;
        let reputation = row.int("Reputation")?;
        let name = row
            .get("DisplayName")
            .map(str::trim)
            .filter(|n| !n.is_empty());
        let handle = name.map_or_else(|| format!("user{id}"), str::to_string);
        Ok(IncomingAuthor {
            platform: ChannelKind::Stackexchange,
            external_id: id.to_string(),
            handle,
            display_name: name.map(str::to_string),
            profile_url: self.site.as_ref().map(|site| format!("{site}/users/{id}")),
            followers: reputation,
            verified: false,
            email: None,
        })
    }

    /// The author of a row from its user id and display-name attributes.
    fn author(
        &self,
        row: &Row,
        id_field: &str,
        name_field: &str,
    ) -> Result<Option<IncomingAuthor>, Rejected> {
        let name = row.get(name_field).map(str::trim).filter(|n| !n.is_empty());
        if let Some(id) = row.int(id_field)? {
            if let Some(user) = self.users.get(&id) {
                return Ok(Some(user.clone()));
            }
            return Ok(Some(IncomingAuthor {
                platform: ChannelKind::Stackexchange,
                external_id: id.to_string(),
                handle: name.map_or_else(|| format!("user{id}"), str::to_string),
                display_name: name.map(str::to_string),
                profile_url: self.site.as_ref().map(|site| format!("{site}/users/{id}")),
                followers: None,
                verified: false,
                email: None,
            }));
        }
        Ok(name.map(|name| IncomingAuthor {
            platform: ChannelKind::Stackexchange,
            external_id: name.to_string(),
            handle: name.to_string(),
            display_name: Some(name.to_string()),
            profile_url: None,
            followers: None,
            verified: false,
            email: None,
        }))
    }

    fn post(&mut self, row: &Row) -> Result<IncomingMessage, Rejected> {
        let id = row.required_int("Id")?;
        let post_type = row.required_int("PostTypeId")?;
        let created_at = time(row, "CreationDate")?
            .ok_or_else(|| row.reject("CreationDate", "missing required attribute"))?;
        let edited_at = time(row, "LastEditDate")?;
        let title = row
            .get("Title")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        let text = html::to_text(row.get("Body").unwrap_or(""));
        // Wiki-type posts exist empty on the site (a tag nobody has described yet,
        // PostTypeId 5 with `Body=""`); questions and answers never do.
        let may_be_empty = !matches!(post_type, 1 | 2);
        check_text(row, "Body", &text, title.is_some() || may_be_empty)?;
        let score = row.int("Score")?.unwrap_or(0);
        let views = row.int("ViewCount")?.unwrap_or(0);
        let comments = row.int("CommentCount")?.unwrap_or(0);
        let answers = row.int("AnswerCount")?.unwrap_or(0);
        let author = self.author(row, "OwnerUserId", "OwnerDisplayName")?;
        let (root, link) = match post_type {
            1 => (id, "q"),
            2 => (row.required_int("ParentId")?, "a"),
            _ => (id, "posts"),
        };
        let root_ref = (root != id).then(|| post_id(root));
        self.post_roots.insert(id, root);
        Ok(IncomingMessage {
            external_id: post_id(id),
            kind: MessageKind::ForumPost,
            direction: Direction::Inbound,
            thread_external_id: root_ref.clone(),
            parent_external_id: root_ref,
            author,
            title,
            text,
            lang: None,
            created_at,
            edited_at,
            permalink: self.site.as_ref().map(|site| format!("{site}/{link}/{id}")),
            engagement: Engagement {
                likes: score,
                shares: 0,
                replies: answers.saturating_add(comments),
                views,
            },
            rating: None,
        })
    }

    fn comment(&self, row: &Row) -> Result<IncomingMessage, Rejected> {
        let id = row.required_int("Id")?;
        let post = row.required_int("PostId")?;
        let created_at = time(row, "CreationDate")?
            .ok_or_else(|| row.reject("CreationDate", "missing required attribute"))?;
        let text = row.required("Text")?.trim().to_string();
        check_text(row, "Text", &text, false)?;
        let score = row.int("Score")?.unwrap_or(0);
        let author = self.author(row, "UserId", "UserDisplayName")?;
        let root = *self.post_roots.get(&post).ok_or_else(|| {
            row.reject(
                "PostId",
                format!("post {post} is not in Posts.xml (or was rejected)"),
            )
        })?;
        Ok(IncomingMessage {
            external_id: format!("comment-{id}"),
            kind: MessageKind::Comment,
            direction: Direction::Inbound,
            thread_external_id: Some(post_id(root)),
            parent_external_id: Some(post_id(post)),
            author,
            title: None,
            text,
            lang: None,
            created_at,
            edited_at: None,
            permalink: self
                .site
                .as_ref()
                .map(|site| format!("{site}/posts/comments/{id}")),
            engagement: Engagement {
                likes: score,
                ..Engagement::default()
            },
            rating: None,
        })
    }
}

fn post_id(id: i64) -> String {
    format!("post-{id}")
}

/// Refuses a message without text (unless it may be empty), or with text over the limit.
fn check_text(row: &Row, field: &str, text: &str, may_be_empty: bool) -> Result<(), Rejected> {
    if text.is_empty() && !may_be_empty {
        return Err(row.reject(field, "no text and no title"));
    }
    if text.len() > MAX_TEXT_BYTES {
        return Err(row.reject(
            field,
            format!("text is {} bytes; at most {MAX_TEXT_BYTES}", text.len()),
        ));
    }
    Ok(())
}

/// An optional date attribute: `2011-10-11T19:42:20.713` (UTC, as in the dumps)
/// or an RFC 3339 instant with offset.
fn time(row: &Row, field: &str) -> Result<Option<Timestamp>, Rejected> {
    let Some(value) = row.get(field) else {
        return Ok(None);
    };
    let value = value.trim();
    if let Ok(ts) = value.parse::<Timestamp>() {
        return Ok(Some(ts));
    }
    value
        .parse::<jiff::civil::DateTime>()
        .and_then(|dt| dt.to_zoned(jiff::tz::TimeZone::UTC))
        .map(|zoned| Some(zoned.timestamp()))
        .map_err(|_| row.reject(field, format!("not a date: {:?}", clip(value))))
}

/// The dump directory: `path` itself, or its parent when `path` is a file.
fn dump_dir(path: &Path) -> PathBuf {
    if path.is_file() {
        path.parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    } else {
        path.to_path_buf()
    }
}

/// `https://<name>` when the directory is named like a Stack Exchange site host.
fn site_from_dir_name(dir: &Path) -> Option<String> {
    let name = dir.file_name()?.to_str()?.to_ascii_lowercase();
    const HOSTS: [&str; 7] = [
        "stackexchange.com",
        "stackoverflow.com",
        "serverfault.com",
        "superuser.com",
        "askubuntu.com",
        "mathoverflow.net",
        "stackapps.com",
    ];
    let valid = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    (valid
        && HOSTS
            .iter()
            .any(|host| name == *host || name.ends_with(&format!(".{host}"))))
    .then(|| format!("https://{name}"))
}

fn open(path: &Path) -> Result<BufReader<File>, ImportError> {
    let at = Location {
        file: path.to_path_buf(),
        line: None,
        record: None,
        field: None,
    };
    let file = File::open(path).map_err(|err| ImportError {
        at: at.clone(),
        message: format!("cannot open: {err}"),
    })?;
    let len = file
        .metadata()
        .map_err(|err| ImportError {
            at: at.clone(),
            message: format!("cannot read metadata: {err}"),
        })?
        .len();
    if len > MAX_FILE_BYTES {
        return Err(ImportError {
            at,
            message: format!("file is {len} bytes; at most {MAX_FILE_BYTES}"),
        });
    }
    Ok(BufReader::new(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_is_taken_from_a_host_named_directory_only() {
        assert_eq!(
            site_from_dir_name(Path::new("/dumps/history.meta.stackexchange.com")).as_deref(),
            Some("https://history.meta.stackexchange.com")
        );
        assert_eq!(
            site_from_dir_name(Path::new("/dumps/stackoverflow.com")).as_deref(),
            Some("https://stackoverflow.com")
        );
        assert_eq!(site_from_dir_name(Path::new("/dumps/stackexchange")), None);
        assert_eq!(site_from_dir_name(Path::new("/dumps/evil.com")), None);
    }
}
