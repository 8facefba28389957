//! Configuration: documented defaults, then a TOML file, then `TEND_…`
//! environment variables (`TEND_SECTION__KEY`, e.g. `TEND_SERVER__BIND`), then
//! command-line flags. One `Config` tree, passed explicitly.

use figment::Figment;
use figment::providers::{Env, Format as _, Serialized, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The whole configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where the SQLite database and other state live. Unset: the per-user data
    /// directory (`~/.local/share/tend` on Linux).
    pub data_dir: Option<PathBuf>,
    /// The database.
    pub database: DatabaseConfig,
    /// The HTTP server.
    pub server: ServerConfig,
    /// Logging.
    pub log: LogConfig,
    /// The background job runner.
    pub jobs: JobsConfig,
    /// Live channels.
    pub channels: ChannelsConfig,
}

/// Live channels.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChannelsConfig {
    /// The key that encrypts channel credentials at rest: 32 bytes, base64
    /// (`tend channel key` prints a new one). Unset: a key file in the data
    /// directory, made on first use. Processes sharing one database must share
    /// the key.
    #[serde(skip_serializing)]
    pub secret_key: Option<SecretString>,
}

/// The background job runner (`tend serve` and `tend worker`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct JobsConfig {
    /// Jobs run at once by one process.
    pub concurrency: usize,
    /// Seconds a claimed job stays claimed without a heartbeat: a job whose
    /// process died runs elsewhere after this long.
    pub lease_secs: u32,
    /// Live channels that stream (hold a connection open) read at once by
    /// one process; each holds one of these while it listens.
    pub streams: usize,
}

impl Default for JobsConfig {
    fn default() -> JobsConfig {
        JobsConfig {
            concurrency: 2,
            lease_secs: 60,
            streams: 4,
        }
    }
}

/// The database.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `postgres://user:pass@host/db` to use PostgreSQL. Unset: SQLite in `data_dir`.
    #[serde(skip_serializing)]
    pub url: Option<SecretString>,
    /// Connections in the pool.
    pub max_connections: u32,
}

/// The HTTP server.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address and port to listen on.
    pub bind: SocketAddr,
    /// Mark cookies `Secure` (browsers then send them over HTTPS only). Turn on when
    /// Tend is served over HTTPS, directly or behind a proxy.
    pub secure_cookies: bool,
}

/// Logging.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// A `tracing` filter, e.g. `info` or `tend=debug,sqlx=warn`. `RUST_LOG` wins when set.
    pub filter: String,
}

impl Default for DatabaseConfig {
    fn default() -> DatabaseConfig {
        DatabaseConfig {
            url: None,
            max_connections: 8,
        }
    }
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            secure_cookies: false,
        }
    }
}

impl Default for LogConfig {
    fn default() -> LogConfig {
        LogConfig {
            filter: "info,sqlx=warn".to_owned(),
        }
    }
}

/// The documented defaults, as printed by `tend config default` and kept in
/// `config/tend.example.toml` (a test checks both agree with `Config::default()`).
pub const DEFAULT_TOML: &str = r#"# Tend configuration. Every key is optional; shown here with its default.
# Precedence: these defaults < this file < TEND_* environment variables < command-line flags.
# Environment: TEND_DATA_DIR, TEND_DATABASE__URL, TEND_DATABASE__MAX_CONNECTIONS,
# TEND_SERVER__BIND, TEND_SERVER__SECURE_COOKIES, TEND_LOG__FILTER,
# TEND_JOBS__CONCURRENCY, TEND_JOBS__LEASE_SECS, TEND_JOBS__STREAMS,
# TEND_CHANNELS__SECRET_KEY.

# Where the SQLite database and other state live.
# Unset: the per-user data directory (~/.local/share/tend on Linux).
# data_dir = "/var/lib/tend"

[database]
# PostgreSQL instead of the embedded SQLite, e.g. "postgres://tend:secret@127.0.0.1/tend".
# Unset: SQLite at <data_dir>/tend.db.
# url = "postgres://tend:secret@127.0.0.1/tend"
# Connections in the pool.
max_connections = 8

[server]
# Address and port the HTTP server listens on.
bind = "127.0.0.1:8080"
# Mark cookies Secure (sent over HTTPS only). Turn on when Tend is served over HTTPS,
# directly or behind a proxy.
secure_cookies = false

[log]
# A tracing filter, e.g. "info" or "tend=debug,sqlx=warn". RUST_LOG wins when set.
filter = "info,sqlx=warn"

[jobs]
# Background jobs run at once by one process (`tend serve` or `tend worker`).
concurrency = 2
# Seconds a claimed job stays claimed without a heartbeat: the job of a process
# that died runs in another process after this long.
lease_secs = 60
# Live channels that stream (hold a connection open) read at once by one process.
streams = 4

[channels]
# The key that encrypts channel credentials at rest: 32 bytes, base64 (`tend channel key`
# prints a new one). Unset: <data_dir>/channels.key, made on first use. Processes that
# share one database must share this key.
# secret_key = "…"
"#;

/// Top-level keys that environment variables may set; others (`TEND_TEST_…`) are ignored.
/// The filter sees the key after `__` became a dot but before it is lower-cased.
const ENV_SECTIONS: [&str; 6] = ["data_dir", "database", "server", "log", "jobs", "channels"];

impl Config {
    /// Loads defaults, then `file` (when it exists, or always when `required`), then the environment.
    pub fn load(file: Option<&Path>, required: bool) -> Result<Config, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if required && !path.exists() {
                return Err(Box::new(figment::Error::from(format!(
                    "config file {} does not exist",
                    path.display()
                ))));
            }
            figment = figment.merge(Toml::file(path));
        }
        figment = figment.merge(Env::prefixed("TEND_").split("__").filter(|key| {
            ENV_SECTIONS.iter().any(|s| {
                let key = key.as_str().to_ascii_lowercase();
                key == *s || key.starts_with(&format!("{s}."))
            })
        }));
        figment.extract().map_err(Box::new)
    }

    /// The data directory: configured, or the per-user default.
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir.clone().unwrap_or_else(default_data_dir)
    }
}

/// The per-user data directory (`$XDG_DATA_HOME/tend`, `~/.local/share/tend`), or
/// `./.tend` where no home directory is known.
pub fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("org", "tend", "tend")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".tend"))
}

/// The default config file location (`~/.config/tend/tend.toml`), used when it exists.
pub fn default_config_file() -> Option<PathBuf> {
    directories::ProjectDirs::from("org", "tend", "tend")
        .map(|dirs| dirs.config_dir().join("tend.toml"))
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closure signature
mod tests {
    use super::*;
    use secrecy::ExposeSecret as _;

    fn same(a: &Config, b: &Config) -> bool {
        a.data_dir == b.data_dir
            && a.database
                .url
                .as_ref()
                .map(|u| u.expose_secret().to_owned())
                == b.database
                    .url
                    .as_ref()
                    .map(|u| u.expose_secret().to_owned())
            && a.database.max_connections == b.database.max_connections
            && a.server == b.server
            && a.log == b.log
    }

    #[test]
    fn the_documented_defaults_are_the_defaults() {
        let parsed: Config = toml::from_str(DEFAULT_TOML).unwrap();
        assert!(
            same(&parsed, &Config::default()),
            "DEFAULT_TOML and Config::default() disagree: {parsed:?}"
        );
    }

    #[test]
    fn every_key_is_documented() {
        // Every key of the serialised defaults appears in the documented file.
        let value = toml::Value::try_from(Config::default()).unwrap();
        let mut keys = vec!["data_dir".to_owned(), "url".to_owned()];
        for (section, table) in value.as_table().unwrap() {
            keys.push(section.clone());
            if let Some(table) = table.as_table() {
                keys.extend(table.keys().cloned());
            }
        }
        for key in keys {
            assert!(
                DEFAULT_TOML.contains(&format!("{key} "))
                    || DEFAULT_TOML.contains(&format!("[{key}]")),
                "{key} is not documented"
            );
        }
    }

    #[test]
    fn the_example_file_is_in_sync() {
        let example = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../config/tend.example.toml"
        ))
        .unwrap();
        assert_eq!(
            example, DEFAULT_TOML,
            "run `tend config default > config/tend.example.toml`"
        );
    }

    #[test]
    fn file_then_environment_override_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "tend.toml",
                "[server]\nbind = \"0.0.0.0:9000\"\n[database]\nmax_connections = 3\n",
            )?;
            jail.set_env("TEND_DATABASE__MAX_CONNECTIONS", "5");
            jail.set_env("TEND_DATABASE__URL", "postgres://u:p@127.0.0.1/tend");
            jail.set_env("TEND_TEST_DATABASE_URL", "ignored: not a config key");
            let config =
                Config::load(Some(Path::new("tend.toml")), true).map_err(|e| e.to_string())?;
            assert_eq!(config.server.bind.port(), 9000);
            assert_eq!(config.database.max_connections, 5);
            assert_eq!(
                config.database.url.unwrap().expose_secret(),
                "postgres://u:p@127.0.0.1/tend"
            );
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_are_errors_naming_the_key() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("tend.toml", "[server]\nbnid = \"0.0.0.0:9000\"\n")?;
            let err = Config::load(Some(Path::new("tend.toml")), true).unwrap_err();
            assert!(err.to_string().contains("bnid"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn a_missing_required_file_is_an_error() {
        assert!(Config::load(Some(Path::new("/nonexistent/tend.toml")), true).is_err());
    }
}
