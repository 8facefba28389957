//! Decoding the firehose (`com.atproto.sync.subscribeRepos`): each WebSocket
//! message is two DAG-CBOR items, a header (`op`, `t`) and a body; a
//! `#commit` body carries its records as a CAR v1 file (varint-prefixed
//! header, then varint-prefixed sections of a CID and a block).
//!
//! Only what the connector needs is kept: the commit's posts (created,
//! updated, deleted) with the parts that tie them to the brand, handles
//! from `#identity`, and the server's info and error frames. Hostile bytes
//! give a [`DecodeError`] naming where, never a panic: ciborium bounds the
//! nesting depth, and lengths are checked before slicing.

use ciborium::Value;
use serde::Deserialize;

/// The collection of posts.
pub const POSTS: &str = "app.bsky.feed.post";

/// Why a frame could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("firehose {0}")]
pub struct DecodeError(pub String);

fn fail(at: &str, e: impl std::fmt::Display) -> DecodeError {
    DecodeError(format!("{at}: {e}"))
}

/// One firehose message.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// Repository changes.
    Commit(Commit),
    /// An account's handle (re)announced.
    Identity {
        /// The event's sequence number.
        seq: i64,
        /// The account.
        did: String,
        /// Its handle, when it has one.
        handle: Option<String>,
    },
    /// A note from the server (`OutdatedCursor`: events before the oldest
    /// kept one are gone).
    Info {
        /// The note's name.
        name: String,
    },
    /// The server refused the subscription (`FutureCursor`,
    /// `ConsumerTooSlow`) and closes the stream.
    Error {
        /// The error's name.
        error: String,
        /// Its explanation.
        message: Option<String>,
    },
    /// Anything else (`#account`, `#sync`, newer kinds), with its sequence
    /// number when it has one.
    Other {
        /// The event's sequence number.
        seq: Option<i64>,
    },
}

impl Frame {
    /// The sequence number the frame advances the cursor to.
    pub fn seq(&self) -> Option<i64> {
        match self {
            Frame::Commit(c) => Some(c.seq),
            Frame::Identity { seq, .. } => Some(*seq),
            Frame::Other { seq } => *seq,
            Frame::Info { .. } | Frame::Error { .. } => None,
        }
    }
}

/// A `#commit`: the post operations of one repository write.
#[derive(Debug, Clone, PartialEq)]
pub struct Commit {
    /// The event's sequence number (the cursor).
    pub seq: i64,
    /// The repository (author) DID.
    pub repo: String,
    /// When the server made the event (RFC 3339).
    pub time: String,
    /// The operations on posts.
    pub ops: Vec<PostOp>,
}

/// One operation on a post.
#[derive(Debug, Clone, PartialEq)]
pub enum PostOp {
    /// Created (`updated: false`) or rewritten (`updated: true`).
    Write {
        /// The record key.
        rkey: String,
        /// Whether it is an edit.
        updated: bool,
        /// The record.
        post: Post,
    },
    /// Deleted.
    Delete {
        /// The record key.
        rkey: String,
    },
}

/// The parts of an `app.bsky.feed.post` record the connector uses.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Post {
    /// The text.
    pub text: String,
    /// When the author says it was written.
    pub created_at: Option<String>,
    /// Its first language.
    pub lang: Option<String>,
    /// `(root, parent)` AT URIs for a reply.
    pub reply: Option<(String, String)>,
    /// DIDs of the mention facets.
    pub mentions: Vec<String>,
    /// The AT URI of a quoted record (`embed.record`, `recordWithMedia`).
    pub quoted: Option<String>,
}

#[derive(Deserialize)]
struct Header {
    op: i64,
    t: Option<String>,
}

#[derive(Deserialize)]
struct CommitBody {
    seq: i64,
    repo: String,
    time: String,
    #[serde(default)]
    ops: Vec<RawOp>,
    blocks: Option<Value>,
}

#[derive(Deserialize)]
struct RawOp {
    action: String,
    path: String,
    cid: Option<Value>,
}

#[derive(Deserialize)]
struct IdentityBody {
    seq: i64,
    did: String,
    handle: Option<String>,
}

#[derive(Deserialize)]
struct InfoBody {
    name: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: String,
    message: Option<String>,
}

#[derive(Deserialize)]
struct SeqBody {
    seq: Option<i64>,
}

#[derive(Deserialize)]
struct RawPost {
    #[serde(default)]
    text: String,
    #[serde(rename = "createdAt")]
    created_at: Option<String>,
    #[serde(default)]
    langs: Vec<String>,
    reply: Option<RawReply>,
    #[serde(default)]
    facets: Vec<RawFacet>,
    embed: Option<RawEmbed>,
}

#[derive(Deserialize)]
struct RawReply {
    root: RawRef,
    parent: RawRef,
}

#[derive(Deserialize)]
struct RawRef {
    uri: String,
}

#[derive(Deserialize)]
struct RawFacet {
    #[serde(default)]
    features: Vec<RawFeature>,
}

#[derive(Deserialize)]
struct RawFeature {
    #[serde(rename = "$type", default)]
    kind: String,
    did: Option<String>,
}

#[derive(Deserialize)]
struct RawEmbed {
    record: Option<RawEmbedRecord>,
}

/// `app.bsky.embed.record` holds a strong ref (`uri`); `recordWithMedia`
/// holds an `app.bsky.embed.record` (`record.uri`).
#[derive(Deserialize)]
struct RawEmbedRecord {
    uri: Option<String>,
    record: Option<RawRef>,
}

fn item<T: serde::de::DeserializeOwned>(rest: &mut &[u8], at: &str) -> Result<T, DecodeError> {
    ciborium::from_reader(rest).map_err(|e| fail(at, e))
}

/// Reads one firehose message.
pub fn decode_frame(bytes: &[u8]) -> Result<Frame, DecodeError> {
    let mut rest = bytes;
    let header: Header = item(&mut rest, "frame header")?;
    match (header.op, header.t.as_deref()) {
        (-1, _) => {
            let body: ErrorBody = item(&mut rest, "error frame body")?;
            Ok(Frame::Error {
                error: body.error,
                message: body.message,
            })
        }
        (1, Some("#commit")) => commit(item(&mut rest, "#commit body")?),
        (1, Some("#identity")) => {
            let body: IdentityBody = item(&mut rest, "#identity body")?;
            Ok(Frame::Identity {
                seq: body.seq,
                did: body.did,
                handle: body.handle,
            })
        }
        (1, Some("#info")) => {
            let body: InfoBody = item(&mut rest, "#info body")?;
            Ok(Frame::Info { name: body.name })
        }
        (1, Some(t)) => {
            let body: SeqBody = item(&mut rest, &format!("{t} body"))?;
            Ok(Frame::Other { seq: body.seq })
        }
        (1, None) => Err(fail("frame header", "a message without a type (t)")),
        (op, _) => Err(fail("frame header", format!("unknown op {op}"))),
    }
}

fn commit(body: CommitBody) -> Result<Frame, DecodeError> {
    let at = format!("#commit {}", body.seq);
    let mut ops = Vec::new();
    let wanted = body
        .ops
        .iter()
        .any(|op| op.path.starts_with(POSTS) && op.action != "delete");
    let blocks = match (&body.blocks, wanted) {
        (Some(Value::Bytes(car)), true) => car_blocks(car).map_err(|e| fail(&at, e.0))?,
        (_, true) => return Err(fail(&at, "blocks are not a byte string")),
        (_, false) => Vec::new(),
    };
    for op in body.ops {
        let Some((collection, rkey)) = op.path.split_once('/') else {
            return Err(fail(
                &at,
                format!("op path {:?} has no record key", op.path),
            ));
        };
        if collection != POSTS {
            continue;
        }
        let rkey = rkey.to_owned();
        match op.action.as_str() {
            "delete" => ops.push(PostOp::Delete { rkey }),
            "create" | "update" => {
                let cid = op
                    .cid
                    .as_ref()
                    .and_then(link)
                    .ok_or_else(|| fail(&at, format!("op {} has no CID link", op.path)))?;
                // A record the commit does not carry (a `tooBig` commit) or
                // cannot be read is skipped: there is nothing to show.
                let Some((_, block)) = blocks.iter().find(|(c, _)| *c == cid) else {
                    continue;
                };
                let Ok(post) = post(block) else { continue };
                ops.push(PostOp::Write {
                    rkey,
                    updated: op.action == "update",
                    post,
                });
            }
            other => return Err(fail(&at, format!("unknown op action {other:?}"))),
        }
    }
    Ok(Frame::Commit(Commit {
        seq: body.seq,
        repo: body.repo,
        time: body.time,
        ops,
    }))
}

/// The CID bytes of a DAG-CBOR link (tag 42, a byte string with a leading 0).
fn link(v: &Value) -> Option<&[u8]> {
    match v {
        Value::Tag(42, inner) => match inner.as_ref() {
            Value::Bytes(b) if b.first() == Some(&0) => b.get(1..),
            _ => None,
        },
        _ => None,
    }
}

/// Reads a post record's block.
pub fn post(block: &[u8]) -> Result<Post, DecodeError> {
    let raw: RawPost = ciborium::from_reader(block).map_err(|e| fail("post record", e))?;
    let mentions = raw
        .facets
        .iter()
        .flat_map(|f| &f.features)
        .filter(|f| f.kind == "app.bsky.richtext.facet#mention")
        .filter_map(|f| f.did.clone())
        .collect();
    let quoted = raw
        .embed
        .and_then(|e| e.record)
        .and_then(|r| r.uri.or(r.record.map(|r| r.uri)));
    Ok(Post {
        text: raw.text,
        created_at: raw.created_at,
        lang: raw.langs.into_iter().next(),
        reply: raw.reply.map(|r| (r.root.uri, r.parent.uri)),
        mentions,
        quoted,
    })
}

/// An unsigned LEB128 varint (at most 10 bytes).
fn varint(rest: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for i in 0..10 {
        let (&b, tail) = rest.split_first()?;
        *rest = tail;
        value |= u64::from(b & 0x7f).checked_shl(7 * i)?;
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// The length of the CID at the start of `b` (v0: a bare sha-256
/// multihash; v1: version, codec, multihash).
fn cid_len(b: &[u8]) -> Option<usize> {
    if b.len() >= 34 && b[0] == 0x12 && b[1] == 0x20 {
        return Some(34);
    }
    let mut rest = b;
    let version = varint(&mut rest)?;
    if version != 1 {
        return None;
    }
    let _codec = varint(&mut rest)?;
    let _hash = varint(&mut rest)?;
    let digest = usize::try_from(varint(&mut rest)?).ok()?;
    let len = (b.len() - rest.len()).checked_add(digest)?;
    (len <= b.len()).then_some(len)
}

/// The next varint-prefixed section of `rest`.
fn section<'a>(rest: &mut &'a [u8], at: &str) -> Result<&'a [u8], DecodeError> {
    let len = varint(rest).ok_or_else(|| fail(at, "bad length"))?;
    let len = usize::try_from(len)
        .ok()
        .filter(|&l| l <= rest.len())
        .ok_or_else(|| fail(at, format!("length {len} past the end")))?;
    let (head, tail) = rest.split_at(len);
    *rest = tail;
    Ok(head)
}

/// A CAR block: its CID's bytes and its data.
pub type Block<'a> = (&'a [u8], &'a [u8]);

/// The blocks of a CAR v1 file.
pub fn car_blocks(car: &[u8]) -> Result<Vec<Block<'_>>, DecodeError> {
    let mut rest = car;
    section(&mut rest, "CAR header")?;
    let mut blocks = Vec::new();
    while !rest.is_empty() {
        let at = format!("CAR block {}", blocks.len());
        let block = section(&mut rest, &at)?;
        let n = cid_len(block).ok_or_else(|| fail(&at, "bad CID"))?;
        blocks.push(block.split_at(n));
    }
    Ok(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cbor(v: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        ciborium::into_writer(v, &mut out).expect("writing to a Vec");
        out
    }

    fn text(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn a_commit_with_a_post_is_read_through_its_car() {
        let cid = [vec![0x01, 0x71, 0x12, 0x20], vec![7u8; 32]].concat();
        let record = Value::Map(vec![
            (text("$type"), text(POSTS)),
            (text("text"), text("hi @brand.test")),
            (
                text("facets"),
                Value::Array(vec![Value::Map(vec![(
                    text("features"),
                    Value::Array(vec![Value::Map(vec![
                        (text("$type"), text("app.bsky.richtext.facet#mention")),
                        (text("did"), text("did:plc:brand")),
                    ])]),
                )])]),
            ),
        ]);
        let block = cbor(&record);
        let mut car = vec![2, 0xa0, 0xa0]; // a 2-byte header
        let mut len = cid.len() + block.len();
        while len >= 0x80 {
            car.push((len as u8 & 0x7f) | 0x80);
            len >>= 7;
        }
        car.push(len as u8);
        car.extend_from_slice(&cid);
        car.extend_from_slice(&block);
        let link = Value::Tag(42, Box::new(Value::Bytes([vec![0], cid].concat())));
        let body = Value::Map(vec![
            (text("seq"), Value::Integer(9.into())),
            (text("repo"), text("did:plc:alice")),
            (text("time"), text("2026-12-07T10:00:00Z")),
            (text("blocks"), Value::Bytes(car)),
            (
                text("ops"),
                Value::Array(vec![Value::Map(vec![
                    (text("action"), text("create")),
                    (text("path"), text("app.bsky.feed.post/3n43ofpcxmi2b")),
                    (text("cid"), link),
                ])]),
            ),
        ]);
        let header = Value::Map(vec![
            (text("op"), Value::Integer(1.into())),
            (text("t"), text("#commit")),
        ]);
        let frame = [cbor(&header), cbor(&body)].concat();
        let Frame::Commit(c) = decode_frame(&frame).expect("a commit") else {
            panic!("not a commit")
        };
        assert_eq!(c.seq, 9);
        let [
            PostOp::Write {
                rkey,
                post,
                updated,
            },
        ] = c.ops.as_slice()
        else {
            panic!("{:?}", c.ops)
        };
        assert_eq!((rkey.as_str(), *updated), ("3n43ofpcxmi2b", false));
        assert_eq!(post.mentions, vec!["did:plc:brand".to_owned()]);
        let cut = &frame[..frame.len() - 5];
        let err = decode_frame(cut).expect_err("a cut frame");
        assert!(err.to_string().contains("#commit body"), "{err}");
    }

    #[test]
    fn replies_and_quotes_with_media_are_read_from_a_record() {
        let strong = |uri: &str| {
            Value::Map(vec![
                (text("uri"), text(uri)),
                (text("cid"), text("bafyrei")),
            ])
        };
        let record = Value::Map(vec![
            (text("text"), text("nice")),
            (text("langs"), Value::Array(vec![text("de-AT")])),
            (
                text("reply"),
                Value::Map(vec![
                    (text("root"), strong("at://did:plc:b/app.bsky.feed.post/1")),
                    (
                        text("parent"),
                        strong("at://did:plc:c/app.bsky.feed.post/2"),
                    ),
                ]),
            ),
            (
                text("embed"),
                Value::Map(vec![
                    (text("$type"), text("app.bsky.embed.recordWithMedia")),
                    (
                        text("record"),
                        Value::Map(vec![(
                            text("record"),
                            strong("at://did:plc:b/app.bsky.feed.post/3"),
                        )]),
                    ),
                    (text("media"), Value::Map(vec![])),
                ]),
            ),
        ]);
        let p = post(&cbor(&record)).expect("a post");
        assert_eq!(p.lang.as_deref(), Some("de-AT"));
        assert_eq!(
            p.reply,
            Some((
                "at://did:plc:b/app.bsky.feed.post/1".into(),
                "at://did:plc:c/app.bsky.feed.post/2".into()
            ))
        );
        assert_eq!(
            p.quoted.as_deref(),
            Some("at://did:plc:b/app.bsky.feed.post/3")
        );
        let e = post(&cbor(&text("not a map"))).expect_err("a string is no post");
        assert!(e.to_string().starts_with("firehose post record:"), "{e}");
    }
}
