//! Configuration, layered: built-in defaults → a TOML file → `AMAN_*` environment
//! variables and command-line flags (clap reads both).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

/// The settings every command shares.
#[derive(Debug, Clone)]
pub struct Config {
    /// Folder for the embedded database, reject files and the like.
    pub data_dir: PathBuf,
    /// `sqlite:PATH` or `postgres://…`; defaults to `DATA_DIR/aman.db`.
    pub database_url: String,
    pub bind: SocketAddr,
    /// File holding the vault's key-encryption key (instead of AMAN_VAULT_PASSPHRASE).
    pub vault_key_file: Option<PathBuf>,
}

/// What a TOML file may set (all optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    bind: Option<SocketAddr>,
    vault_key_file: Option<PathBuf>,
}

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// Settings given on the command line or in the environment (they win over the file).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Overrides {
    /// Data folder [default: ./aman-data]
    #[arg(long, global = true, env = "AMAN_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL: sqlite:PATH or postgres://USER@HOST/DB [default: DATA_DIR/aman.db]
    #[arg(long, global = true, env = "AMAN_DATABASE_URL")]
    pub database_url: Option<String>,
    /// TOML configuration file (keys: data_dir, database_url, bind, vault_key_file)
    #[arg(long, global = true, env = "AMAN_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to serve on [default: 127.0.0.1:8080]
    #[arg(long, global = true, env = "AMAN_BIND")]
    pub bind: Option<SocketAddr>,
    /// File with the vault's key-encryption key (else AMAN_VAULT_PASSPHRASE is used)
    #[arg(long, global = true, env = "AMAN_VAULT_KEY_FILE")]
    pub vault_key_file: Option<PathBuf>,
}

impl Overrides {
    pub fn resolve(&self, default_data_dir: &Path) -> anyhow::Result<Config> {
        let file = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| {
                    format!("cannot read the configuration file {}", path.display())
                })?;
                toml::from_str::<FileConfig>(&text).with_context(|| {
                    format!("{} is not a valid Aman configuration", path.display())
                })?
            }
            None => FileConfig::default(),
        };
        let data_dir = self
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| default_data_dir.to_path_buf());
        let database_url = self
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite:{}", data_dir.join("aman.db").display()));
        let bind = self
            .bind
            .or(file.bind)
            .unwrap_or_else(|| DEFAULT_BIND.parse().expect("default address parses"));
        let vault_key_file = self.vault_key_file.clone().or(file.vault_key_file);
        Ok(Config {
            data_dir,
            database_url,
            bind,
            vault_key_file,
        })
    }
}
