//! SQL of the [`VaultStore`]: sealed identities, blind indexes, grants, consent,
//! evidence custody and audit checkpoints. Sealed bytes are kept as base64 text so both
//! backends store them the same way. Audit details name ids, purposes and key ids, never
//! identity data.

use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::json;

use crate::driver::{Driver, Row, Tx, Value};
use crate::sql_store::ts;
use crate::{
    BlindToken, CheckpointRecord, ConsentRecord, CustodyRecord, EvidenceItem, GrantRecord,
    GrantTarget, IdentityMeta, KekRecord, NewIdentity, Result, SealedIdentity, SealedKey,
    SealedRow, SealedTable, SqlStore, StoreError, VaultStore, Who,
};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn encode(bytes: &[u8]) -> Value {
    Value::Text(B64.encode(bytes))
}

fn decode(row: &Row, i: usize) -> Result<Vec<u8>> {
    B64.decode(row.text(i)?)
        .map_err(|e| StoreError::Corrupt(format!("sealed value is not base64: {e}")))
}

fn opt_ts(row: &Row, i: usize) -> Result<Option<DateTime<Utc>>> {
    row.opt_int(i)?.map(ts).transpose()
}

const KEK_COLS: &str =
    "kek_id, source, kdf_json, is_current, created_by, created_at, retired_at FROM vault_keks";

fn kek_from_row(r: &Row) -> Result<KekRecord> {
    Ok(KekRecord {
        kek_id: r.text(0)?,
        source: r.text(1)?,
        kdf_json: r.opt_text(2)?,
        is_current: r.int(3)? != 0,
        created_by: r.text(4)?,
        created_at: ts(r.int(5)?)?,
        retired_at: opt_ts(r, 6)?,
    })
}

const KEY_COLS: &str =
    "name, kind, owner, key_id, public_hex, sealed, kek_id, created_by, created_at FROM vault_keys";

fn key_from_row(r: &Row) -> Result<SealedKey> {
    Ok(SealedKey {
        name: r.text(0)?,
        kind: r.text(1)?,
        owner: r.opt_text(2)?,
        key_id: r.opt_text(3)?,
        public_hex: r.opt_text(4)?,
        sealed: decode(r, 5)?,
        kek_id: r.text(6)?,
        created_by: r.text(7)?,
        created_at: ts(r.int(8)?)?,
    })
}

const GRANT_COLS: &str = "id, username, person_id, incident_id, purpose, expires_at, granted_by, granted_at, revoked_at, revoked_by FROM vault_grants";

fn grant_from_row(r: &Row) -> Result<GrantRecord> {
    let target = match (r.opt_text(2)?, r.opt_int(3)?) {
        (Some(p), None) => GrantTarget::Person(p),
        (None, Some(i)) => GrantTarget::Incident(i),
        _ => {
            return Err(StoreError::Corrupt(
                "grant without exactly one target".into(),
            ))
        }
    };
    Ok(GrantRecord {
        id: r.int(0)?,
        username: r.text(1)?,
        target,
        purpose: r.text(4)?,
        expires_at: ts(r.int(5)?)?,
        granted_by: r.text(6)?,
        granted_at: ts(r.int(7)?)?,
        revoked_at: opt_ts(r, 8)?,
        revoked_by: r.opt_text(9)?,
    })
}

const EVIDENCE_COLS: &str = "sha256, incident_id, media_type, size, collected_by, collected_at, place, device, kek_id, added_by, added_at FROM vault_evidence";

fn evidence_from_row(r: &Row) -> Result<EvidenceItem> {
    Ok(EvidenceItem {
        sha256: r.text(0)?,
        incident_id: r.opt_int(1)?,
        media_type: r.text(2)?,
        size: r.int(3)? as u64,
        collected_by: r.text(4)?,
        collected_at: ts(r.int(5)?)?,
        place: r.opt_text(6)?,
        device: r.opt_text(7)?,
        kek_id: r.text(8)?,
        added_by: r.text(9)?,
        added_at: ts(r.int(10)?)?,
    })
}

fn custody_from_row(r: &Row) -> Result<CustodyRecord> {
    Ok(CustodyRecord {
        sha256: r.text(0)?,
        seq: r.int(1)? as u64,
        action: r.text(2)?,
        actor: r.text(3)?,
        at: ts(r.int(4)?)?,
        event_json: r.text(5)?,
    })
}

fn insert_custody(tx: &mut dyn Tx, e: &CustodyRecord) -> Result<()> {
    tx.exec(
        "INSERT INTO vault_custody (sha256, seq, action, actor, at, event_json) VALUES (?, ?, ?, ?, ?, ?)",
        &[
            e.sha256.as_str().into(),
            Value::Int(e.seq as i64),
            e.action.as_str().into(),
            e.actor.as_str().into(),
            Value::Int(e.at.timestamp()),
            e.event_json.as_str().into(),
        ],
    )?;
    Ok(())
}

/// Table, key column and sealed column of a [`SealedTable`].
fn sealed_table(table: SealedTable) -> (&'static str, &'static str, &'static str) {
    match table {
        SealedTable::Identities => ("vault_identities", "person_id", "envelope"),
        SealedTable::Keys => ("vault_keys", "name", "sealed"),
    }
}

impl<D: Driver> VaultStore for SqlStore<D> {
    fn kek_records(&self) -> Result<Vec<KekRecord>> {
        self.db.read(&mut |tx| {
            tx.query(
                &format!("SELECT {KEK_COLS} ORDER BY created_at, kek_id"),
                &[],
            )?
            .iter()
            .map(kek_from_row)
            .collect()
        })
    }

    fn add_kek(&self, by: &Who, k: &KekRecord) -> Result<()> {
        self.db.write(&mut |tx| {
            tx.exec("UPDATE vault_keks SET is_current = 0", &[])?;
            tx.exec(
                "INSERT INTO vault_keks (kek_id, source, kdf_json, is_current, created_by, created_at) VALUES (?, ?, ?, 1, ?, ?)",
                &[
                    k.kek_id.as_str().into(),
                    k.source.as_str().into(),
                    k.kdf_json.clone().into(),
                    by.username.as_str().into(),
                    Value::Int(k.created_at.timestamp()),
                ],
            )?;
            self.audit(tx, by, "vault.kek_add", "kek", &k.kek_id, None, json!({ "source": k.source }))
        })
    }

    fn retire_kek(&self, by: &Who, kek_id: &str) -> Result<()> {
        let now = self.now().timestamp();
        self.db.write(&mut |tx| {
            for (table, col) in [
                ("vault_identities", "kek_id"),
                ("vault_keys", "kek_id"),
                ("vault_evidence", "kek_id"),
            ] {
                let left = tx
                    .query_one(
                        &format!("SELECT COUNT(*) FROM {table} WHERE {col} = ?"),
                        &[kek_id.into()],
                    )?
                    .map(|r| r.int(0))
                    .transpose()?
                    .unwrap_or(0);
                if left > 0 {
                    return Err(StoreError::Conflict(format!(
                        "{left} row(s) in {table} are still wrapped by key {kek_id}; finish the rotation first"
                    )));
                }
            }
            let n = tx.exec(
                "UPDATE vault_keks SET retired_at = ? WHERE kek_id = ? AND is_current = 0 AND retired_at IS NULL",
                &[Value::Int(now), kek_id.into()],
            )?;
            if n == 0 {
                return Err(StoreError::Invalid(format!(
                    "key {kek_id} is unknown, current or already retired"
                )));
            }
            self.audit(tx, by, "vault.kek_retire", "kek", kek_id, None, json!({}))
        })
    }

    fn put_sealed_key(&self, by: &Who, k: &SealedKey) -> Result<()> {
        self.db.write(&mut |tx| {
            tx.exec(
                "INSERT INTO vault_keys (name, kind, owner, key_id, public_hex, sealed, kek_id, created_by, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                &[
                    k.name.as_str().into(),
                    k.kind.as_str().into(),
                    k.owner.clone().into(),
                    k.key_id.clone().into(),
                    k.public_hex.clone().into(),
                    encode(&k.sealed),
                    k.kek_id.as_str().into(),
                    by.username.as_str().into(),
                    Value::Int(k.created_at.timestamp()),
                ],
            )?;
            self.audit(
                tx,
                by,
                "vault.key_add",
                "vault_key",
                &k.name,
                None,
                json!({ "kind": k.kind, "key_id": k.key_id, "kek_id": k.kek_id }),
            )
        })
    }

    fn sealed_key(&self, name: &str) -> Result<Option<SealedKey>> {
        self.db.read(&mut |tx| {
            tx.query_one(&format!("SELECT {KEY_COLS} WHERE name = ?"), &[name.into()])?
                .as_ref()
                .map(key_from_row)
                .transpose()
        })
    }

    fn signing_keys(&self) -> Result<Vec<SealedKey>> {
        self.db.read(&mut |tx| {
            tx.query(
                &format!("SELECT {KEY_COLS} WHERE kind = 'signing' ORDER BY name"),
                &[],
            )?
            .iter()
            .map(key_from_row)
            .collect()
        })
    }

    fn add_identities(
        &self,
        by: &Who,
        identities: &mut dyn Iterator<Item = NewIdentity>,
    ) -> Result<()> {
        self.db.write(&mut |tx| {
            // Tokens are random, so inserting them as they come touches a random page of the
            // index for each; sorted and inserted after the batch's records, they walk it in
            // order (about 40% less CPU per token in the vault benchmark).
            let mut tokens: Vec<(BlindToken, String)> = Vec::new();
            for new in &mut *identities {
                let id = &new.sealed;
                Self::insert_person(tx, by, &id.person_id, new.role, false, id.created_at.timestamp())?;
                self.audit(tx, by, "person.create", "person", &id.person_id, None, json!({ "role": new.role.code() }))?;
                tx.exec(
                    "INSERT INTO vault_identities (person_id, incident_id, envelope, kek_id, created_by, created_at) \
                     VALUES (?, ?, ?, ?, ?, ?)",
                    &[
                        id.person_id.as_str().into(),
                        id.incident_id.into(),
                        encode(&id.envelope),
                        id.kek_id.as_str().into(),
                        by.username.as_str().into(),
                        Value::Int(id.created_at.timestamp()),
                    ],
                )?;
                let scopes: Vec<&str> = new.tokens.iter().map(|t| t.scope.as_str()).collect();
                self.audit(
                    tx,
                    by,
                    "identity.create",
                    "person",
                    &id.person_id,
                    None,
                    json!({ "incident_id": id.incident_id, "kek_id": id.kek_id, "indexed": scopes }),
                )?;
                tokens.extend(new.tokens.into_iter().map(|t| (t, new.sealed.person_id.clone())));
            }
            tokens.sort_unstable_by(|(a, _), (b, _)| (&a.scope, &a.token).cmp(&(&b.scope, &b.token)));
            for (t, person_id) in tokens {
                tx.exec(
                    "INSERT INTO vault_blind_index (scope, token, person_id) VALUES (?, ?, ?)",
                    &[t.scope.into(), t.token.into(), person_id.into()],
                )?;
            }
            Ok(())
        })
    }

    fn find_identities(&self, tokens: &[BlindToken]) -> Result<Vec<String>> {
        if tokens.is_empty() {
            return Ok(Vec::new());
        }
        let clause = vec!["(scope = ? AND token = ?)"; tokens.len()].join(" OR ");
        let params: Vec<Value> = tokens
            .iter()
            .flat_map(|t| [t.scope.as_str().into(), t.token.as_str().into()])
            .collect();
        self.db.read(&mut |tx| {
            tx.query(
                &format!(
                    "SELECT DISTINCT person_id FROM vault_blind_index WHERE {clause} ORDER BY person_id"
                ),
                &params,
            )?
            .iter()
            .map(|r| r.text(0))
            .collect()
        })
    }

    fn identity_meta(&self, person_id: &str) -> Result<Option<IdentityMeta>> {
        self.db.read(&mut |tx| {
            tx.query_one(
                "SELECT person_id, incident_id, kek_id FROM vault_identities WHERE person_id = ?",
                &[person_id.into()],
            )?
            .map(|r| {
                Ok(IdentityMeta {
                    person_id: r.text(0)?,
                    incident_id: r.opt_int(1)?,
                    kek_id: r.text(2)?,
                })
            })
            .transpose()
        })
    }

    fn read_identity(
        &self,
        by: &Who,
        person_id: &str,
        grant_id: i64,
        purpose: &str,
    ) -> Result<SealedIdentity> {
        self.db.write(&mut |tx| {
            let r = tx
                .query_one(
                    "SELECT person_id, incident_id, envelope, kek_id, created_by, created_at \
                     FROM vault_identities WHERE person_id = ?",
                    &[person_id.into()],
                )?
                .ok_or_else(|| StoreError::NotFound {
                    what: "identity record",
                    id: person_id.to_string(),
                })?;
            let sealed = SealedIdentity {
                person_id: r.text(0)?,
                incident_id: r.opt_int(1)?,
                envelope: decode(&r, 2)?,
                kek_id: r.text(3)?,
                created_by: r.text(4)?,
                created_at: ts(r.int(5)?)?,
            };
            self.audit(
                tx,
                by,
                "identity.read",
                "person",
                person_id,
                Some(purpose),
                json!({ "grant_id": grant_id }),
            )?;
            Ok(sealed)
        })
    }

    fn identities_for_incident(&self, incident_id: i64) -> Result<Vec<String>> {
        self.db.read(&mut |tx| {
            tx.query(
                "SELECT person_id FROM vault_identities WHERE incident_id = ? ORDER BY person_id",
                &[Value::Int(incident_id)],
            )?
            .iter()
            .map(|r| r.text(0))
            .collect()
        })
    }

    fn record_identity_refusal(&self, by: &Who, person_id: &str, reason: &str) -> Result<()> {
        self.db.write(&mut |tx| {
            self.audit(
                tx,
                by,
                "identity.read_refused",
                "person",
                person_id,
                None,
                json!({ "reason": reason }),
            )
        })
    }

    fn sealed_rows_not_under(
        &self,
        table: SealedTable,
        kek_id: &str,
        limit: u32,
    ) -> Result<Vec<SealedRow>> {
        let (t, key, col) = sealed_table(table);
        self.db.read(&mut |tx| {
            tx.query(
                &format!("SELECT {key}, {col} FROM {t} WHERE kek_id <> ? ORDER BY {key} LIMIT ?"),
                &[kek_id.into(), Value::Int(limit as i64)],
            )?
            .iter()
            .map(|r| {
                Ok(SealedRow {
                    key: r.text(0)?,
                    envelope: decode(r, 1)?,
                })
            })
            .collect()
        })
    }

    fn replace_sealed(
        &self,
        by: &Who,
        table: SealedTable,
        key: &str,
        old: &[u8],
        new: &[u8],
        kek_id: &str,
    ) -> Result<bool> {
        let (t, key_col, col) = sealed_table(table);
        self.db.write(&mut |tx| {
            let n = tx.exec(
                &format!("UPDATE {t} SET {col} = ?, kek_id = ? WHERE {key_col} = ? AND {col} = ?"),
                &[encode(new), kek_id.into(), key.into(), encode(old)],
            )?;
            if n == 0 {
                return Ok(false);
            }
            self.audit(
                tx,
                by,
                "vault.rewrap",
                t,
                key,
                None,
                json!({ "kek_id": kek_id }),
            )?;
            Ok(true)
        })
    }

    fn create_grant(
        &self,
        by: &Who,
        username: &str,
        target: &GrantTarget,
        purpose: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<GrantRecord> {
        let now = self.now();
        let (person, incident) = match target {
            GrantTarget::Person(p) => (Some(p.clone()), None),
            GrantTarget::Incident(i) => (None, Some(*i)),
        };
        self.db.write(&mut |tx| {
            let id = tx.insert_id(
                "INSERT INTO vault_grants (username, person_id, incident_id, purpose, expires_at, granted_by, granted_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                &[
                    username.into(),
                    person.clone().into(),
                    incident.into(),
                    purpose.into(),
                    Value::Int(expires_at.timestamp()),
                    by.username.as_str().into(),
                    Value::Int(now.timestamp()),
                ],
            )?;
            self.audit(
                tx,
                by,
                "grant.create",
                "grant",
                id,
                Some(purpose),
                json!({ "user": username, "target": target, "expires_at": expires_at.timestamp() }),
            )?;
            let row = tx
                .query_one(&format!("SELECT {GRANT_COLS} WHERE id = ?"), &[Value::Int(id)])?
                .ok_or_else(|| StoreError::Backend("grant vanished".into()))?;
            grant_from_row(&row)
        })
    }

    fn revoke_grant(&self, by: &Who, id: i64, reason: &str) -> Result<GrantRecord> {
        if reason.trim().is_empty() {
            return Err(StoreError::Invalid("a reason is required".into()));
        }
        let now = self.now().timestamp();
        self.db.write(&mut |tx| {
            let n = tx.exec(
                "UPDATE vault_grants SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL",
                &[Value::Int(now), by.username.as_str().into(), Value::Int(id)],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound {
                    what: "unrevoked grant",
                    id: id.to_string(),
                });
            }
            self.audit(tx, by, "grant.revoke", "grant", id, Some(reason), json!({}))?;
            let row = tx
                .query_one(&format!("SELECT {GRANT_COLS} WHERE id = ?"), &[Value::Int(id)])?
                .ok_or_else(|| StoreError::Backend("grant vanished".into()))?;
            grant_from_row(&row)
        })
    }

    fn grants_for(&self, username: &str) -> Result<Vec<GrantRecord>> {
        self.db.read(&mut |tx| {
            tx.query(
                &format!("SELECT {GRANT_COLS} WHERE username = ? ORDER BY id"),
                &[username.into()],
            )?
            .iter()
            .map(grant_from_row)
            .collect()
        })
    }

    fn list_grants(&self) -> Result<Vec<GrantRecord>> {
        self.db.read(&mut |tx| {
            tx.query(&format!("SELECT {GRANT_COLS} ORDER BY id"), &[])?
                .iter()
                .map(grant_from_row)
                .collect()
        })
    }

    fn set_consent(&self, by: &Who, c: &ConsentRecord) -> Result<()> {
        self.db.write(&mut |tx| {
            tx.exec(
                "DELETE FROM vault_consent WHERE person_id = ?",
                &[c.person_id.as_str().into()],
            )?;
            tx.exec(
                "INSERT INTO vault_consent (person_id, consent_json, recorded_by, recorded_at) VALUES (?, ?, ?, ?)",
                &[
                    c.person_id.as_str().into(),
                    c.consent_json.as_str().into(),
                    by.username.as_str().into(),
                    Value::Int(c.recorded_at.timestamp()),
                ],
            )?;
            let consent: serde_json::Value = serde_json::from_str(&c.consent_json)
                .map_err(|e| StoreError::Invalid(format!("consent is not JSON: {e}")))?;
            self.audit(
                tx,
                by,
                "consent.set",
                "person",
                &c.person_id,
                None,
                json!({ "consent": consent }),
            )
        })
    }

    fn consent(&self, person_id: &str) -> Result<Option<ConsentRecord>> {
        self.db.read(&mut |tx| {
            tx.query_one(
                "SELECT person_id, consent_json, recorded_by, recorded_at FROM vault_consent WHERE person_id = ?",
                &[person_id.into()],
            )?
            .map(|r| {
                Ok(ConsentRecord {
                    person_id: r.text(0)?,
                    consent_json: r.text(1)?,
                    recorded_by: r.text(2)?,
                    recorded_at: ts(r.int(3)?)?,
                })
            })
            .transpose()
        })
    }

    fn add_evidence(&self, by: &Who, e: &EvidenceItem, first: &CustodyRecord) -> Result<()> {
        self.db.write(&mut |tx| {
            tx.exec(
                "INSERT INTO vault_evidence (sha256, incident_id, media_type, size, collected_by, collected_at, place, device, kek_id, added_by, added_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                &[
                    e.sha256.as_str().into(),
                    e.incident_id.into(),
                    e.media_type.as_str().into(),
                    Value::Int(e.size as i64),
                    e.collected_by.as_str().into(),
                    Value::Int(e.collected_at.timestamp()),
                    e.place.clone().into(),
                    e.device.clone().into(),
                    e.kek_id.as_str().into(),
                    by.username.as_str().into(),
                    Value::Int(e.added_at.timestamp()),
                ],
            )?;
            insert_custody(tx, first)?;
            self.audit(
                tx,
                by,
                "evidence.add",
                "evidence",
                &e.sha256,
                None,
                json!({ "incident_id": e.incident_id, "size": e.size, "media_type": e.media_type }),
            )
        })
    }

    fn evidence(&self, sha256: &str) -> Result<Option<EvidenceItem>> {
        self.db.read(&mut |tx| {
            tx.query_one(
                &format!("SELECT {EVIDENCE_COLS} WHERE sha256 = ?"),
                &[sha256.into()],
            )?
            .as_ref()
            .map(evidence_from_row)
            .transpose()
        })
    }

    fn evidence_for_incident(&self, incident_id: i64) -> Result<Vec<EvidenceItem>> {
        self.db.read(&mut |tx| {
            tx.query(
                &format!("SELECT {EVIDENCE_COLS} WHERE incident_id = ? ORDER BY added_at, sha256"),
                &[Value::Int(incident_id)],
            )?
            .iter()
            .map(evidence_from_row)
            .collect()
        })
    }

    fn evidence_not_under(&self, kek_id: &str) -> Result<Vec<String>> {
        self.db.read(&mut |tx| {
            tx.query(
                "SELECT sha256 FROM vault_evidence WHERE kek_id <> ? ORDER BY sha256",
                &[kek_id.into()],
            )?
            .iter()
            .map(|r| r.text(0))
            .collect()
        })
    }

    fn set_evidence_kek(&self, by: &Who, sha256: &str, kek_id: &str) -> Result<()> {
        self.db.write(&mut |tx| {
            tx.exec(
                "UPDATE vault_evidence SET kek_id = ? WHERE sha256 = ?",
                &[kek_id.into(), sha256.into()],
            )?;
            self.audit(
                tx,
                by,
                "vault.rewrap",
                "vault_evidence",
                sha256,
                None,
                json!({ "kek_id": kek_id }),
            )
        })
    }

    fn append_custody(&self, by: &Who, event: &CustodyRecord) -> Result<()> {
        self.db.write(&mut |tx| {
            let next = tx
                .query_one(
                    "SELECT COALESCE(MAX(seq) + 1, 0) FROM vault_custody WHERE sha256 = ?",
                    &[event.sha256.as_str().into()],
                )?
                .map(|r| r.int(0))
                .transpose()?
                .unwrap_or(0);
            if event.seq as i64 != next {
                return Err(StoreError::Conflict(format!(
                    "custody event {} of {} does not follow event {}; reload the history and sign again",
                    event.seq,
                    event.sha256,
                    next - 1
                )));
            }
            insert_custody(tx, event)?;
            self.audit(
                tx,
                by,
                "evidence.custody",
                "evidence",
                &event.sha256,
                None,
                json!({ "seq": event.seq, "action": event.action }),
            )
        })
    }

    fn custody(&self, sha256: &str) -> Result<Vec<CustodyRecord>> {
        self.db.read(&mut |tx| {
            tx.query(
                "SELECT sha256, seq, action, actor, at, event_json FROM vault_custody WHERE sha256 = ? ORDER BY seq",
                &[sha256.into()],
            )?
            .iter()
            .map(custody_from_row)
            .collect()
        })
    }

    fn add_checkpoint(&self, by: &Who, c: &CheckpointRecord) -> Result<()> {
        self.db.write(&mut |tx| {
            tx.exec(
                "INSERT INTO vault_checkpoints (tree_size, root_hash, key_id, head_json, created_by, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?)",
                &[
                    Value::Int(c.tree_size as i64),
                    c.root_hash.as_str().into(),
                    c.key_id.as_str().into(),
                    c.head_json.as_str().into(),
                    by.username.as_str().into(),
                    Value::Int(c.created_at.timestamp()),
                ],
            )?;
            self.audit(
                tx,
                by,
                "audit.checkpoint",
                "checkpoint",
                c.tree_size,
                None,
                json!({ "root_hash": c.root_hash, "key_id": c.key_id }),
            )
        })
    }

    fn checkpoints(&self) -> Result<Vec<CheckpointRecord>> {
        self.db.read(&mut |tx| {
            tx.query(
                "SELECT tree_size, root_hash, key_id, head_json, created_by, created_at FROM vault_checkpoints ORDER BY tree_size",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok(CheckpointRecord {
                    tree_size: r.int(0)? as u64,
                    root_hash: r.text(1)?,
                    key_id: r.text(2)?,
                    head_json: r.text(3)?,
                    created_by: r.text(4)?,
                    created_at: ts(r.int(5)?)?,
                })
            })
            .collect()
        })
    }
}
