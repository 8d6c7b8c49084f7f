//! The vault's commands: keys, identities, grants, evidence, audit checkpoints and
//! proofs, and case bundles. The key-encryption key comes from `AMAN_VAULT_PASSPHRASE`
//! or the key file setting, never from a flag (flags end up in shell history) and never
//! from the database.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aman_core::PersonRole;
use aman_service::vault::{
    self, parse_consent, BundleRequest, EvidenceIntake, IdentityFields, IdentityQuery, KekSource,
    Vault,
};
use aman_store::{GrantTarget, Store, Who};
use aman_vault::access::Recipient;
use aman_vault::keys::KdfParams;
use aman_vault::signing::PublicKey;
use aman_vault::{AgeIdentity, AgeRecipient, SecretString};
use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use clap::Subcommand;

use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Set up the vault: record the key-encryption key (AMAN_VAULT_PASSPHRASE, or the key
    /// file setting), create the blind-index key and the node's signing key, and print the
    /// node's public key to publish.
    Init {
        /// Write a new random key file here and use it (instead of a passphrase)
        #[arg(long)]
        new_key_file: Option<PathBuf>,
    },
    /// Rotate the key-encryption key without downtime: every sealed value is rewrapped
    /// under the new key one row at a time; the old key is retired when nothing uses it.
    /// The new key: AMAN_VAULT_NEW_PASSPHRASE or --new-key-file.
    Rotate {
        /// Key file holding the new key (created with random bytes if it does not exist)
        #[arg(long)]
        new_key_file: Option<PathBuf>,
        /// Username recorded in the audit log
        #[arg(long = "as")]
        user: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum IdentityCommand {
    /// Seal a person's identity (read from AMAN_IDENTITY_JSON or standard input as JSON:
    /// {"name": …, "phone": …, "id_number": …, "address": …}) under a new pseudonymous id.
    Add {
        /// victim, witness, alleged_perpetrator or source
        #[arg(long)]
        role: String,
        /// The case (incident) the person belongs to
        #[arg(long)]
        incident: Option<i64>,
        /// Consent to share the identity: nobody, ohchr, prosecutors or partner:NAME (repeatable)
        #[arg(long)]
        consent: Vec<String>,
        #[arg(long = "as")]
        user: String,
    },
    /// Is this person already known? Exact match on name, phone or ID number through
    /// blind indexes; prints pseudonymous ids only, decrypts nothing.
    Find {
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        id_number: Option<String>,
    },
    /// Decrypt one person's identity. Needs a live grant for this user (no role bypasses
    /// it); the read and its purpose are recorded in the audit log.
    Show {
        person_id: String,
        #[arg(long)]
        purpose: String,
        #[arg(long = "as")]
        user: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum GrantCommand {
    /// Give USER need-to-know access to one person or one case, for a purpose, until a time.
    Add {
        username: String,
        #[arg(
            long,
            conflicts_with = "incident",
            required_unless_present = "incident"
        )]
        person: Option<String>,
        #[arg(long)]
        incident: Option<i64>,
        #[arg(long)]
        purpose: String,
        /// Expiry, RFC 3339 (e.g. 2026-12-31T00:00:00Z)
        #[arg(long)]
        expires: DateTime<Utc>,
        /// The admin or investigator giving the grant
        #[arg(long = "as")]
        user: String,
    },
    /// Revoke a grant.
    Revoke {
        id: i64,
        #[arg(long)]
        reason: String,
        #[arg(long = "as")]
        user: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Take a file in: SHA-256 at intake, stored encrypted under DATA_DIR/evidence, and a
    /// signed `collected` custody event.
    Add {
        file: PathBuf,
        #[arg(long)]
        incident: Option<i64>,
        /// MIME type
        #[arg(long, default_value = "application/octet-stream")]
        media_type: String,
        /// Who collected it [default: --as]
        #[arg(long)]
        collected_by: Option<String>,
        /// When it was collected, RFC 3339 [default: now]
        #[arg(long)]
        collected_at: Option<DateTime<Utc>>,
        #[arg(long)]
        place: Option<String>,
        #[arg(long)]
        device: Option<String>,
        #[arg(long = "as")]
        user: String,
    },
    /// Show an item's metadata and custody history, and whether the history verifies;
    /// with --output, write a working copy (recorded as a signed `copied` event).
    Show {
        sha256: String,
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[arg(long = "as")]
        user: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BundleCommand {
    /// Package incidents with their reports, evidence, custody and audit inclusion proofs,
    /// signed by the node and encrypted to an age recipient.
    Create {
        #[arg(long, required = true, num_args = 1..)]
        incident: Vec<i64>,
        /// age public key (age1…), repeatable
        #[arg(long, required = true)]
        recipient: Vec<String>,
        /// Who receives it, for consent: ohchr, prosecutors or partner:NAME. Without it no
        /// identity is included.
        #[arg(long)]
        release_identities_to: Option<String>,
        #[arg(long, short)]
        output: PathBuf,
        #[arg(long = "as")]
        user: String,
    },
    /// Check a bundle offline (no database): decryption, manifest signature, every file's
    /// hash, custody chains, tree head and inclusion proofs. Exits 2 and lists each failure.
    Verify {
        file: PathBuf,
        /// age identity file (AGE-SECRET-KEY-…)
        #[arg(long)]
        identity: PathBuf,
        /// The mission's published node key (hex); without it the signer named in the
        /// bundle is trusted, which proves integrity but not origin
        #[arg(long)]
        trust: Vec<String>,
    },
}

fn passphrase(var: &str) -> Option<SecretString> {
    std::env::var(var)
        .ok()
        .filter(|p| !p.is_empty())
        .map(SecretString::from)
}

/// The keys this process was given: current (passphrase or key file) and any previous.
fn sources(config: &Config) -> Vec<KekSource> {
    let mut out = Vec::new();
    if let Some(p) = passphrase("AMAN_VAULT_PASSPHRASE") {
        out.push(KekSource::Passphrase(p));
    }
    if let Some(f) = &config.vault_key_file {
        out.push(KekSource::KeyFile(f.clone()));
    }
    if let Some(p) = passphrase("AMAN_VAULT_PREVIOUS_PASSPHRASE") {
        out.push(KekSource::Passphrase(p));
    }
    if let Some(f) = std::env::var_os("AMAN_VAULT_PREVIOUS_KEY_FILE") {
        out.push(KekSource::KeyFile(f.into()));
    }
    out
}

fn open_vault(config: &Config, store: Arc<dyn Store>) -> anyhow::Result<Vault> {
    Ok(Vault::open(store, &sources(config), &config.data_dir)?)
}

/// The vault for the server: unlocked when a key was given, otherwise `None` (its
/// routes then answer `vault_locked`). A wrong key is an error, not a silent lock.
pub fn unlock_for_serving(config: &Config, store: Arc<dyn Store>) -> anyhow::Result<Option<Vault>> {
    let sources = sources(config);
    if sources.is_empty() || store.kek_records()?.is_empty() {
        println!("Identity vault locked (no key given or not set up): identity routes answer vault_locked.");
        return Ok(None);
    }
    let vault = Vault::open(store, &sources, &config.data_dir)
        .context("cannot unlock the identity vault")?;
    println!("Identity vault unlocked (key {}).", vault.current_kek_id());
    Ok(Some(vault))
}

fn user(store: &dyn Store, name: &str) -> anyhow::Result<aman_core::User> {
    Ok(store
        .find_user(name)?
        .with_context(|| format!("no user '{name}'; add one with `aman user add`"))?
        .0)
}

/// Refuses to run as a name that is not a user, so the audit log names real people.
fn who(store: &dyn Store, name: &str) -> anyhow::Result<Who> {
    user(store, name)?;
    Ok(Who::user(name))
}

fn parse_recipient(text: &str) -> anyhow::Result<Recipient> {
    Ok(match text {
        "ohchr" => Recipient::Ohchr,
        "prosecutors" => Recipient::Prosecutors,
        other => match other.strip_prefix("partner:") {
            Some(n) if !n.trim().is_empty() => Recipient::Partner(n.trim().into()),
            _ => bail!("unknown recipient '{other}'; use ohchr, prosecutors or partner:NAME"),
        },
    })
}

pub fn keys(command: KeysCommand, config: &Config, store: Arc<dyn Store>) -> anyhow::Result<()> {
    match command {
        KeysCommand::Init { new_key_file } => {
            let source = match (&new_key_file, passphrase("AMAN_VAULT_PASSPHRASE")) {
                (Some(path), _) => {
                    vault::write_new_key_file(path)?;
                    println!("Wrote a new key file to {}; keep a copy offline.", path.display());
                    KekSource::KeyFile(path.clone())
                }
                (None, Some(p)) => KekSource::Passphrase(p),
                (None, None) => match &config.vault_key_file {
                    Some(path) => KekSource::KeyFile(path.clone()),
                    None => bail!(
                        "no key given: set AMAN_VAULT_PASSPHRASE, or the key file setting (AMAN_VAULT_KEY_FILE), or pass --new-key-file"
                    ),
                },
            };
            let (vault, node) = Vault::init(
                store,
                &source,
                KdfParams::default(),
                &config.data_dir,
                &Who::system(),
            )?;
            println!(
                "Vault ready; key-encryption key {}.",
                vault.current_kek_id()
            );
            println!(
                "Node public key (publish it; partners verify checkpoints and bundles with it):"
            );
            println!("{}", node.to_hex());
            Ok(())
        }
        KeysCommand::Rotate { new_key_file, user } => {
            let by = who(store.as_ref(), &user)?;
            let new = match (new_key_file, passphrase("AMAN_VAULT_NEW_PASSPHRASE")) {
                (Some(path), _) => {
                    if !path.exists() {
                        vault::write_new_key_file(&path)?;
                        println!(
                            "Wrote a new key file to {}; keep a copy offline.",
                            path.display()
                        );
                    }
                    KekSource::KeyFile(path)
                }
                (None, Some(p)) => KekSource::Passphrase(p),
                (None, None) => {
                    bail!("no new key: set AMAN_VAULT_NEW_PASSPHRASE or pass --new-key-file")
                }
            };
            let mut vault = open_vault(config, store)?;
            let s = vault.rotate(&by, &new, KdfParams::default())?;
            println!(
                "Rotated to key {}: rewrapped {} identity records, {} keys, {} evidence files; retired {}.",
                s.new_kek,
                s.identities,
                s.keys,
                s.evidence_files,
                if s.retired.is_empty() { "none".to_string() } else { s.retired.join(", ") }
            );
            println!("Use the new passphrase or key file from now on.");
            Ok(())
        }
    }
}

pub fn identity(
    command: IdentityCommand,
    config: &Config,
    store: Arc<dyn Store>,
) -> anyhow::Result<()> {
    match command {
        IdentityCommand::Add {
            role,
            incident,
            consent,
            user,
        } => {
            let by = who(store.as_ref(), &user)?;
            let role = PersonRole::from_code(&role).with_context(|| {
                format!("unknown role '{role}'; use victim, witness, alleged_perpetrator or source")
            })?;
            let consent = consent
                .iter()
                .map(|c| parse_consent(c.as_str()))
                .collect::<Result<Vec<_>, _>>()?;
            let text = match std::env::var("AMAN_IDENTITY_JSON") {
                Ok(t) => t,
                Err(_) => std::io::read_to_string(std::io::stdin())
                    .context("cannot read the identity JSON from standard input")?,
            };
            // serde_json's message names the field but never echoes a value.
            let fields: IdentityFields = serde_json::from_str(&text)
                .context("the identity is not valid JSON with name, phone, id_number, address")?;
            let vault = open_vault(config, store)?;
            let person = vault.add_identity(&by, role, incident, &fields)?;
            if !consent.is_empty() {
                vault.set_consent(&by, person.as_str(), &consent)?;
            }
            println!("{}", person.as_str());
            Ok(())
        }
        IdentityCommand::Find {
            name,
            phone,
            id_number,
        } => {
            let vault = open_vault(config, store)?;
            let found = vault.find(&IdentityQuery {
                name,
                phone,
                id_number,
            })?;
            if found.is_empty() {
                println!("No match.");
            }
            for p in found {
                println!("{p}");
            }
            Ok(())
        }
        IdentityCommand::Show {
            person_id,
            purpose,
            user,
        } => {
            who(store.as_ref(), &user)?;
            let vault = open_vault(config, store)?;
            let fields = vault.read_identity(&user, &person_id, &purpose)?;
            println!("{}", serde_json::to_string_pretty(&fields)?);
            Ok(())
        }
    }
}

pub fn grant(command: GrantCommand, store: Arc<dyn Store>) -> anyhow::Result<()> {
    match command {
        GrantCommand::Add {
            username,
            person,
            incident,
            purpose,
            expires,
            user: by,
        } => {
            let by = user(store.as_ref(), &by)?;
            let target = match (person, incident) {
                (Some(p), None) => GrantTarget::Person(p),
                (None, Some(i)) => GrantTarget::Incident(i),
                _ => bail!("give exactly one of --person or --incident"),
            };
            let g = vault::grant(store.as_ref(), &by, &username, target, &purpose, expires)?;
            println!(
                "Grant {} given to {} until {}.",
                g.id, g.username, g.expires_at
            );
            Ok(())
        }
        GrantCommand::Revoke {
            id,
            reason,
            user: by,
        } => {
            let by = user(store.as_ref(), &by)?;
            let g = vault::revoke(store.as_ref(), &by, id, &reason)?;
            println!("Grant {} of {} revoked.", g.id, g.username);
            Ok(())
        }
    }
}

pub fn evidence(
    command: EvidenceCommand,
    config: &Config,
    store: Arc<dyn Store>,
) -> anyhow::Result<()> {
    match command {
        EvidenceCommand::Add {
            file,
            incident,
            media_type,
            collected_by,
            collected_at,
            place,
            device,
            user,
        } => {
            let by = who(store.as_ref(), &user)?;
            let now = store.clock().now();
            let vault = open_vault(config, store)?;
            let item = vault.add_evidence(
                &by,
                &file,
                EvidenceIntake {
                    incident_id: incident,
                    media_type,
                    collected_by: collected_by.unwrap_or(user),
                    collected_at: collected_at.unwrap_or(now),
                    place,
                    device,
                },
            )?;
            println!("{}", item.sha256);
            Ok(())
        }
        EvidenceCommand::Show {
            sha256,
            output,
            user,
        } => {
            if let Some(path) = output {
                let vault = open_vault(config, store.clone())?;
                let user = user.context("--output records who made the copy: pass --as USER")?;
                let by = who(store.as_ref(), &user)?;
                if path.exists() {
                    bail!(
                        "{} exists; working copies never overwrite a file",
                        path.display()
                    );
                }
                let mut out = std::fs::File::create(&path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                let n = vault.copy_evidence(&by, &sha256, &mut out)?;
                out.flush()?;
                eprintln!("Wrote a working copy ({n} bytes) to {}.", path.display());
            }
            let view = vault::evidence_view(store.as_ref(), &sha256)?;
            println!("{}", serde_json::to_string_pretty(&view)?);
            if let Some(problem) = view.custody_problem {
                println!("CUSTODY HISTORY INVALID: {problem}");
                std::process::exit(2);
            }
            println!(
                "Custody history verified: {} signed events.",
                view.custody.len()
            );
            Ok(())
        }
    }
}

pub fn checkpoint(config: &Config, store: Arc<dyn Store>, origin: &str) -> anyhow::Result<()> {
    let vault = open_vault(config, store)?;
    let head = vault.checkpoint(&Who::system(), origin)?;
    print!("{}", head.to_text());
    Ok(())
}

pub fn proof(store: Arc<dyn Store>, seq: u64) -> anyhow::Result<()> {
    let p = vault::AuditTree::new(store).inclusion_proof(seq)?;
    println!("{}", serde_json::to_string_pretty(&p)?);
    Ok(())
}

pub fn consistency(store: Arc<dyn Store>, old: u64, new: u64) -> anyhow::Result<()> {
    let proof = vault::AuditTree::new(store).consistency_proof(old, new)?;
    println!(
        "{}",
        serde_json::to_string_pretty(
            &serde_json::json!({ "old_size": old, "new_size": new, "proof": proof })
        )?
    );
    Ok(())
}

pub fn bundle_create(
    config: &Config,
    store: Arc<dyn Store>,
    incidents: Vec<i64>,
    recipients: &[String],
    release_to: Option<&str>,
    output: &Path,
    user: &str,
) -> anyhow::Result<()> {
    let by = who(store.as_ref(), user)?;
    let recipients = recipients
        .iter()
        .map(|r| {
            r.parse::<AgeRecipient>()
                .map_err(|e| anyhow::anyhow!("'{r}' is not an age public key (age1…): {e}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let released_to = release_to.map(parse_recipient).transpose()?;
    if output.exists() {
        bail!("{} exists; choose a new file name", output.display());
    }
    let vault = open_vault(config, store)?;
    let bytes = vault.create_bundle(
        &by,
        &BundleRequest {
            incidents,
            recipients,
            released_to,
            origin: "aman".into(),
        },
    )?;
    std::fs::write(output, &bytes).with_context(|| format!("cannot write {}", output.display()))?;
    println!(
        "Wrote {} ({} bytes), signed by node key {}.",
        output.display(),
        bytes.len(),
        vault.node_public_key()?.to_hex()
    );
    Ok(())
}

/// Offline: needs no configuration and no database.
pub fn bundle_verify(file: &Path, identity: &Path, trust: &[String]) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let text = std::fs::read_to_string(identity)
        .with_context(|| format!("cannot read {}", identity.display()))?;
    let key_line = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .with_context(|| format!("{} holds no AGE-SECRET-KEY line", identity.display()))?;
    let identity: AgeIdentity = key_line
        .parse()
        .map_err(|e| anyhow::anyhow!("{} is not an age identity: {e}", identity.display()))?;
    let trusted = trust
        .iter()
        .map(|h| PublicKey::from_hex(h).map_err(|e| anyhow::anyhow!("--trust {h}: {e}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if trusted.is_empty() {
        println!("WARNING: no --trust key given; trusting the signer named in the bundle (checks integrity, not origin).");
    }
    let report = vault::verify_bundle_file(&bytes, &identity, &trusted);
    print!("{report}");
    if !report.is_valid() {
        std::process::exit(2);
    }
    Ok(())
}
