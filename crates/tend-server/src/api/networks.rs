//! The networks Tend can connect and the settings each requires, read from
//! `ChannelConfig`'s own serde description, so a network added there shows up
//! on the Channels page and in the API with its fields, without a change here.
//!
//! [`networks`] asks for an unknown network and keeps the names the error
//! expects. [`required_settings`] deserializes a network's configuration from
//! sample values, learning one missing field per round (serde names it), and
//! the field's type from the sample it refuses (a number, a yes/no, a list, one
//! of a few words). Optional settings are not discovered: the page offers free
//! name/value rows for them, and the network says what is wrong.

use crate::error::AppError;
use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::LazyLock;
use tend_channels::live::ChannelConfig;
use tend_channels::live::catalogue::{self, About, Read, Tested};
use utoipa::ToSchema;

/// The network of Tend's own demo channels.
pub const SIMULATED: &str = "simulated";

/// A sample that passes for text, including an address.
const TEXT_SAMPLE: &str = "https://example.invalid/";

/// What a setting holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingKind {
    /// Text (a host, an address, a handle).
    Text,
    /// A whole number.
    Number,
    /// Yes or no (`true` / `false`).
    Bool,
    /// A list of texts (comma-separated in a form).
    List,
    /// One of a few words.
    Choice(Vec<String>),
}

impl SettingKind {
    /// The stable name: `text`, `number`, `bool`, `list` or `choice`.
    pub fn as_str(&self) -> &'static str {
        match self {
            SettingKind::Text => "text",
            SettingKind::Number => "number",
            SettingKind::Bool => "bool",
            SettingKind::List => "list",
            SettingKind::Choice(_) => "choice",
        }
    }
}

/// A setting a network requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// Its name in the settings.
    pub name: String,
    /// What it holds.
    pub kind: SettingKind,
}

/// A network with the settings it requires.
#[derive(Debug, Clone)]
pub struct Network {
    /// Its name (`simulated`, `mastodon` …).
    pub name: String,
    /// Tend's simulated demo network (nothing leaves Tend).
    pub simulated: bool,
    /// The settings it cannot do without (others are optional).
    pub settings: Vec<Setting>,
    /// What it can do and how that is tested (the catalogue's row).
    pub about: Option<&'static About>,
}

/// A network as the API describes it.
#[derive(Debug, Serialize, ToSchema)]
pub struct NetworkView {
    /// Its name (`simulated`, `mastodon` …): `network` when connecting.
    pub name: String,
    /// Tend's simulated demo network (nothing leaves Tend).
    pub simulated: bool,
    /// The settings it requires (others are optional; the network says
    /// which are wrong or missing).
    pub settings: Vec<SettingView>,
    /// How Tend reads it: `stream`, `poll` (or `import` for a network that
    /// has no open read API).
    pub read: String,
    /// Replies go out through it.
    pub reply: bool,
    /// New posts can be published through it.
    pub publish: bool,
    /// Tend can delete or hide on it.
    pub delete: bool,
    /// How its connector is tested: `real_server`, `fake`, `contract` (going
    /// live needs the network's app review, which the workspace must obtain),
    /// `import` or `simulated`.
    pub tested: String,
}

/// A required setting as the API describes it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingView {
    /// Its name in `settings`.
    pub name: String,
    /// `text`, `number`, `bool`, `list` (of texts) or `choice`.
    pub kind: String,
    /// The words it takes, for a `choice`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
}

impl From<Network> for NetworkView {
    fn from(n: Network) -> NetworkView {
        let about = n.about;
        NetworkView {
            read: about.map_or("poll", |a| read_name(a.read)).to_owned(),
            reply: about.is_some_and(|a| a.reply),
            publish: about.is_some_and(|a| a.publish),
            delete: about.is_some_and(|a| a.delete),
            tested: about.map_or("fake", |a| tested_name(a.tested)).to_owned(),
            name: n.name,
            simulated: n.simulated,
            settings: n
                .settings
                .into_iter()
                .map(|s| SettingView {
                    name: s.name,
                    kind: s.kind.as_str().to_owned(),
                    choices: match s.kind {
                        SettingKind::Choice(words) => words,
                        _ => Vec::new(),
                    },
                })
                .collect(),
        }
    }
}

/// The stable name of how a network is read.
pub fn read_name(read: Read) -> &'static str {
    match read {
        Read::Stream => "stream",
        Read::Poll => "poll",
        Read::Import => "import",
    }
}

/// The stable name of how a network is tested.
pub fn tested_name(tested: Tested) -> &'static str {
    match tested {
        Tested::RealServer => "real_server",
        Tested::Fake => "fake",
        Tested::Contract => "contract",
        Tested::Import => "import",
        Tested::Simulated => "simulated",
    }
}

/// Every network Tend can connect, with its required settings (learned once).
pub fn all() -> Vec<Network> {
    static ALL: LazyLock<Vec<Network>> = LazyLock::new(|| {
        networks()
            .into_iter()
            .map(|name| Network {
                name: name.to_owned(),
                simulated: name == SIMULATED,
                settings: required_settings::<ChannelConfig>("network", name),
                about: catalogue::about(name),
            })
            .collect()
    });
    ALL.clone()
}

/// What a probing deserialization learned.
#[derive(Debug)]
enum Probe {
    /// A variant (a network, a choice) is not one of these.
    Variants(&'static [&'static str]),
    /// This field is required.
    Missing(&'static str),
    /// The last value is not what the field wants (serde's "expected …").
    Wants(String),
    /// Anything else.
    Other,
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for Probe {}

impl de::Error for Probe {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Probe::Other
    }
    fn unknown_variant(_: &str, expected: &'static [&'static str]) -> Self {
        Probe::Variants(expected)
    }
    fn missing_field(field: &'static str) -> Self {
        Probe::Missing(field)
    }
    fn invalid_type(_: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Probe::Wants(expected.to_string())
    }
}

/// A sample value of a kind (or the tag's literal).
#[derive(Clone)]
enum Sample {
    Literal(&'static str),
    Of(SettingKind),
}

impl<'de> IntoDeserializer<'de, Probe> for Sample {
    type Deserializer = Sample;
    fn into_deserializer(self) -> Sample {
        self
    }
}

impl<'de> de::Deserializer<'de> for Sample {
    type Error = Probe;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Probe> {
        match self {
            Sample::Literal(s) => visitor.visit_str(s),
            Sample::Of(SettingKind::Text) => visitor.visit_str(TEXT_SAMPLE),
            Sample::Of(SettingKind::Number) => visitor.visit_u64(1),
            Sample::Of(SettingKind::Bool) => visitor.visit_bool(true),
            Sample::Of(SettingKind::List) => {
                visitor.visit_seq(SeqDeserializer::<_, Probe>::new(std::iter::empty::<&str>()))
            }
            Sample::Of(SettingKind::Choice(words)) => {
                visitor.visit_string(words.first().cloned().unwrap_or_default())
            }
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// The networks Tend can connect, as `ChannelConfig` names them.
pub fn networks() -> Vec<&'static str> {
    let probe = MapDeserializer::<_, Probe>::new(std::iter::once((
        "network",
        Sample::Literal("\u{0}not a network"),
    )));
    match ChannelConfig::deserialize(probe) {
        Err(Probe::Variants(names)) if !names.is_empty() => names.to_vec(),
        _ => vec![SIMULATED],
    }
}

/// The kind serde's "expected …" asks for.
fn kind_wanted(expected: &str) -> SettingKind {
    let e = expected.to_ascii_lowercase();
    if e.contains("sequence") || e.contains("vec") {
        SettingKind::List
    } else if e.contains("bool") {
        SettingKind::Bool
    } else if e.contains("integer")
        || e.contains("number")
        || e.contains("float")
        || [
            "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "f32", "f64",
        ]
        .iter()
        .any(|t| e == *t)
    {
        SettingKind::Number
    } else {
        SettingKind::Text
    }
}

/// The settings `T` (internally tagged by `tag`) requires for `variant`, in
/// the order it declares them; those it could not learn are left out.
pub fn required_settings<T: DeserializeOwned>(
    tag: &'static str,
    variant: &'static str,
) -> Vec<Setting> {
    let mut fields: Vec<(&'static str, SettingKind)> = Vec::new();
    // One field (or one kind of a field) per round; a bound against surprises.
    for _ in 0..64 {
        let entries = std::iter::once((tag, Sample::Literal(variant)))
            .chain(fields.iter().map(|(f, k)| (*f, Sample::Of(k.clone()))));
        let learned = match T::deserialize(MapDeserializer::<_, Probe>::new(entries)) {
            Ok(_) => break,
            Err(e) => e,
        };
        // A refused value is the last field's: the ones before were read last round.
        match learned {
            Probe::Missing(f) if !fields.iter().any(|(g, _)| *g == f) => {
                fields.push((f, SettingKind::Text));
            }
            Probe::Wants(what) => {
                let kind = kind_wanted(&what);
                match fields.last_mut() {
                    Some(last) if last.1 != kind => last.1 = kind,
                    _ => break,
                }
            }
            Probe::Variants(words) => match fields.last_mut() {
                Some(last) if !matches!(last.1, SettingKind::Choice(_)) => {
                    last.1 = SettingKind::Choice(words.iter().map(|w| (*w).to_owned()).collect());
                }
                _ => break,
            },
            _ => break,
        }
    }
    fields
        .into_iter()
        .map(|(name, kind)| Setting {
            name: name.to_owned(),
            kind,
        })
        .collect()
}

/// A setting typed as text: numbers, booleans and JSON arrays and objects are
/// read as such, anything else is a string (as `tend channel add --set`).
pub fn setting_value(value: &str) -> serde_json::Value {
    match serde_json::from_str::<serde_json::Value>(value.trim()) {
        Ok(
            v @ (serde_json::Value::Number(_)
            | serde_json::Value::Bool(_)
            | serde_json::Value::Array(_)
            | serde_json::Value::Object(_)),
        ) => v,
        _ => value.into(),
    }
}

/// A value typed for a setting of a known kind: a list is comma-separated, a
/// number or yes/no is read as such (or left as typed, for the network to
/// refuse in words), text and choices stay text.
pub fn typed_value(kind: &SettingKind, value: &str) -> serde_json::Value {
    let value = value.trim();
    match kind {
        SettingKind::Text | SettingKind::Choice(_) => value.into(),
        SettingKind::List => value
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(serde_json::Value::from)
            .collect(),
        SettingKind::Number | SettingKind::Bool => setting_value(value),
    }
}

/// The configuration of a `network` channel with `settings`; a bad request
/// saying in words what is wrong otherwise (`network`: not one Tend knows;
/// `settings`: what the network needs).
pub fn config_of(
    network: &str,
    settings: serde_json::Map<String, serde_json::Value>,
) -> Result<ChannelConfig, AppError> {
    let network = network.trim();
    let known = networks();
    if !known.contains(&network) {
        return Err(AppError::bad(
            "network",
            format!("choose one of: {}", known.join(", ")),
        ));
    }
    let mut object = settings;
    object.insert("network".into(), network.into());
    serde_json::from_value(serde_json::Value::Object(object))
        .map_err(|e| AppError::bad("settings", format!("a {network} channel: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shapes networks use: numbers, text, optional and defaulted fields,
    /// lists, a closed set of words, a newtype variant around a struct.
    #[derive(Debug, Deserialize)]
    #[serde(tag = "network", rename_all = "snake_case")]
    #[allow(dead_code)] // read only by serde
    enum Config {
        Demo {
            every_secs: u64,
        },
        Social {
            instance: String,
            #[serde(default)]
            account: Option<String>,
        },
        Chat {
            homeserver: String,
            #[serde(default)]
            rooms: Vec<String>,
            must_rooms: Vec<String>,
            verbose: bool,
        },
        Mail(Mail),
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Mail {
        host: String,
        port: u16,
        tls: Security,
        #[serde(default)]
        folder: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Security {
        None,
        Starttls,
        Tls,
    }

    fn names(settings: &[Setting]) -> Vec<(&str, SettingKind)> {
        settings
            .iter()
            .map(|s| (s.name.as_str(), s.kind.clone()))
            .collect()
    }

    #[test]
    fn the_required_settings_are_learned_from_the_configuration_type() {
        use SettingKind::*;
        assert_eq!(
            names(&required_settings::<Config>("network", "demo")),
            [("every_secs", Number)]
        );
        assert_eq!(
            names(&required_settings::<Config>("network", "social")),
            [("instance", Text)]
        );
        assert_eq!(
            names(&required_settings::<Config>("network", "chat")),
            [
                ("homeserver", Text),
                ("must_rooms", List),
                ("verbose", Bool)
            ]
        );
        let words = vec!["none".to_owned(), "starttls".to_owned(), "tls".to_owned()];
        assert_eq!(
            names(&required_settings::<Config>("network", "mail")),
            [("host", Text), ("port", Number), ("tls", Choice(words))]
        );
        assert!(required_settings::<Config>("network", "myspace").is_empty());
    }

    #[test]
    fn tends_networks_are_listed_with_their_settings() {
        let all = all();
        // Every network's required settings were all learned: samples of
        // their kinds make a configuration.
        for network in &all {
            let samples = network
                .settings
                .iter()
                .map(|s| {
                    let sample = match &s.kind {
                        SettingKind::Text => TEXT_SAMPLE.into(),
                        SettingKind::Number => "1".into(),
                        SettingKind::Bool => "true".into(),
                        SettingKind::List => String::new(),
                        SettingKind::Choice(words) => words[0].clone(),
                    };
                    (s.name.clone(), typed_value(&s.kind, &sample))
                })
                .collect();
            let parsed = config_of(&network.name, samples);
            assert!(parsed.is_ok(), "{network:?}: {parsed:?}");
        }
        let simulated = all.iter().find(|n| n.name == SIMULATED).unwrap();
        assert!(simulated.simulated);
        assert_eq!(
            names(&simulated.settings),
            [("every_secs", SettingKind::Number)]
        );
    }

    #[test]
    fn typed_settings_become_the_networks_configuration() {
        let mut settings = serde_json::Map::new();
        settings.insert(
            "every_secs".into(),
            typed_value(&SettingKind::Number, " 5 "),
        );
        let config = config_of("simulated", settings).unwrap();
        assert_eq!(config, ChannelConfig::Simulated { every_secs: 5 });
        assert_eq!(setting_value("https://x.example"), "https://x.example");
        assert_eq!(setting_value("true"), true);
        assert_eq!(
            typed_value(&SettingKind::List, "a, b,,"),
            serde_json::json!(["a", "b"])
        );
        assert_eq!(typed_value(&SettingKind::Text, "42"), "42");
        let missing = config_of("simulated", serde_json::Map::new()).unwrap_err();
        assert!(
            matches!(&missing, AppError::BadRequest { message, .. } if message.contains("every_secs")),
            "{missing:?}"
        );
        let unknown = config_of("myspace", serde_json::Map::new()).unwrap_err();
        assert!(
            matches!(&unknown, AppError::BadRequest { field, message } if field == "network" && message.contains("simulated")),
            "{unknown:?}"
        );
    }
}
