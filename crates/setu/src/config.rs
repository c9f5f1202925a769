//! Configuration: built-in defaults, overridden by a TOML file, overridden by `SETU_*`
//! environment variables, overridden by command-line flags.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use serde::Deserialize;

/// Flags shared by `serve`, `migrate` and `demo`. Each also reads its `SETU_*` variable.
#[derive(Debug, Clone, Default, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "SETU_BIND")]
    pub bind: Option<String>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB [default: sqlite in --data-dir].
    #[arg(long, env = "SETU_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Folder for the SQLite database and other local files [default: ./setu-data].
    #[arg(long, env = "SETU_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// TOML configuration file [default: ./setu.toml if it exists].
    #[arg(long, env = "SETU_CONFIG")]
    pub config: Option<PathBuf>,
    /// Encryption key file [default: setu.keys in --data-dir; created on first start].
    #[arg(long, env = "SETU_KEY_FILE")]
    pub key_file: Option<PathBuf>,
    /// Setu is served over HTTPS (directly or by a proxy): Secure cookies and HSTS.
    #[arg(long, env = "SETU_BEHIND_TLS")]
    pub behind_tls: bool,
    /// Roles that read personal data must use two-step sign-in (one-time codes).
    #[arg(long, env = "SETU_REQUIRE_SECOND_FACTOR")]
    pub require_second_factor: bool,
    /// Minutes a session may sit unused before it ends [default: 30].
    #[arg(long, env = "SETU_SESSION_IDLE_MINUTES")]
    pub session_idle_minutes: Option<i64>,
    /// Hours a session lasts at most [default: 12].
    #[arg(long, env = "SETU_SESSION_MAX_HOURS")]
    pub session_max_hours: Option<i64>,
    /// A reverse proxy whose X-Forwarded-For is believed (repeat, or comma-separated in the
    /// variable) [default: none].
    #[arg(
        long = "trusted-proxy",
        env = "SETU_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// The keys a configuration file may hold (all optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    bind: Option<String>,
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    key_file: Option<PathBuf>,
    behind_tls: Option<bool>,
    require_second_factor: Option<bool>,
    session_idle_minutes: Option<i64>,
    session_max_hours: Option<i64>,
    trusted_proxies: Option<Vec<std::net::IpAddr>>,
}

/// The configuration in force.
#[derive(Debug, Clone)]
pub struct Config {
    /// Listen address.
    pub bind: String,
    /// Database URL, if not the default SQLite file.
    pub database_url: Option<String>,
    /// Data folder.
    pub data_dir: PathBuf,
    /// Key file, if not the default in the data folder.
    pub key_file: Option<PathBuf>,
    /// Served over HTTPS.
    pub behind_tls: bool,
    /// Roles that read personal data must use a second factor.
    pub require_second_factor: bool,
    /// Session idle time-out, minutes.
    pub session_idle_minutes: i64,
    /// Session absolute time-out, hours.
    pub session_max_hours: i64,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

const DEFAULT_CONFIG_FILE: &str = "setu.toml";

impl Config {
    /// Resolves flags and environment over the file over the defaults.
    pub fn load(args: &ServeArgs) -> Result<Config> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None if Path::new(DEFAULT_CONFIG_FILE).exists() => {
                read_file(Path::new(DEFAULT_CONFIG_FILE))?
            }
            None => FileConfig::default(),
        };
        Ok(Config {
            bind: args
                .bind
                .clone()
                .or(file.bind)
                .unwrap_or_else(|| "127.0.0.1:8080".into()),
            database_url: args.database_url.clone().or(file.database_url),
            data_dir: args
                .data_dir
                .clone()
                .or(file.data_dir)
                .unwrap_or_else(|| PathBuf::from("setu-data")),
            key_file: args.key_file.clone().or(file.key_file),
            behind_tls: args.behind_tls || file.behind_tls.unwrap_or(false),
            require_second_factor: args.require_second_factor
                || file.require_second_factor.unwrap_or(false),
            session_idle_minutes: positive(
                args.session_idle_minutes.or(file.session_idle_minutes),
                30,
                "session idle minutes",
            )?,
            session_max_hours: positive(
                args.session_max_hours.or(file.session_max_hours),
                12,
                "session hours",
            )?,
            trusted_proxies: if args.trusted_proxies.is_empty() {
                file.trusted_proxies.unwrap_or_default()
            } else {
                args.trusted_proxies.clone()
            },
        })
    }

    /// The encryption keys: `SETU_KEYS` (the key file's text) if set, else the key file
    /// (`default_file` in the data folder unless configured), created on first use.
    pub fn keys(&self, default_file: &str) -> Result<setu_store::crypto::Keyring> {
        if let Ok(text) = std::env::var("SETU_KEYS") {
            return Ok(setu_store::crypto::Keyring::from_text(&text)?);
        }
        let path = self
            .key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join(default_file));
        if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder)
                .with_context(|| format!("cannot write to the data folder {}", folder.display()))?;
        }
        Ok(setu_store::crypto::Keyring::load_or_create(&path)?)
    }

    /// The database URL in force: the configured one, or `setu.db` in the data folder.
    pub fn database_url(&self, default_file: &str) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join(default_file).display()))
    }
}

fn positive(value: Option<i64>, default: i64, what: &str) -> Result<i64> {
    match value {
        None => Ok(default),
        Some(v) if v > 0 => Ok(v),
        Some(v) => anyhow::bail!("{what} must be a positive number, not {v}"),
    }
}

fn read_file(path: &Path) -> Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read configuration file {}", path.display()))?;
    toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].lines().count().max(1))
            .unwrap_or(1);
        anyhow::anyhow!(
            "configuration file {}, line {line}: {}",
            path.display(),
            e.message().trim()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_file_override_defaults() {
        let dir = std::env::temp_dir().join(format!("setu-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("setu.toml");
        std::fs::write(&file, "bind = \"0.0.0.0:9000\"\ndata_dir = \"/srv/setu\"\n").unwrap();
        let args = ServeArgs {
            config: Some(file.clone()),
            data_dir: Some("/tmp/x".into()),
            ..Default::default()
        };
        let c = Config::load(&args).unwrap();
        assert_eq!(c.bind, "0.0.0.0:9000");
        assert_eq!(c.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(c.database_url("setu.db"), "sqlite:///tmp/x/setu.db");

        assert_eq!((c.session_idle_minutes, c.session_max_hours), (30, 12));
        std::fs::write(&file, "session_idle_minutes = 5\n").unwrap();
        assert_eq!(Config::load(&args).unwrap().session_idle_minutes, 5);
        std::fs::write(&file, "session_max_hours = 0\n").unwrap();
        assert!(Config::load(&args).is_err());
        std::fs::write(&file, "bnd = 1\n").unwrap();
        let err = Config::load(&args).unwrap_err().to_string();
        assert!(err.contains("unknown field"), "{err}");
    }
}
