-- Identity vault, need-to-know grants, witness consent, evidence custody and the signed
-- tree heads of the audit log. Nothing here holds identity data in plaintext: identity
-- fields live only inside `envelope` (aman-vault's AEAD envelope, base64, bound to
-- table, column and row), and lookups go through keyed blind-index tokens.
--
-- From this migration on, audit entries are chained by aman_vault::audit::chain_hash:
-- entry_hash = SHA-256(prev_hash || aman_core::audit::canonical_bytes(seq, record)), and
-- the canonical bytes are the RFC 9162 Merkle leaves.

-- Key-encryption keys: metadata only (id, how it is obtained, Argon2id salt and
-- parameters). The key itself is never stored.
CREATE TABLE vault_keks (
    kek_id     TEXT PRIMARY KEY,
    source     TEXT NOT NULL,           -- 'passphrase' or 'key_file'
    kdf_json   TEXT,                    -- aman_vault::keys::PassphraseKdf, for passphrases
    is_current BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);

-- Key material sealed under the KEK: the blind-index key and Ed25519 signing keys
-- (public half in clear so anyone can verify).
CREATE TABLE vault_keys (
    name       TEXT PRIMARY KEY,        -- 'blind_index' or 'signing:<owner>'
    kind       TEXT NOT NULL,           -- 'blind_index' or 'signing'
    owner      TEXT,
    key_id     TEXT,                    -- signing key id
    public_hex TEXT,                    -- signing public key
    sealed     TEXT NOT NULL,
    kek_id     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX vault_keys_key_id ON vault_keys(key_id) WHERE key_id IS NOT NULL;

-- One sealed identity record per person (pseudonymous id).
CREATE TABLE vault_identities (
    person_id   TEXT PRIMARY KEY,
    incident_id BIGINT,                 -- the case the person belongs to, if any
    envelope    TEXT NOT NULL,
    kek_id      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX vault_identities_kek ON vault_identities(kek_id);

CREATE TABLE vault_blind_index (
    scope     TEXT NOT NULL,            -- e.g. 'person.name', 'person.phone'
    token     TEXT NOT NULL,            -- HMAC-SHA256 of the normalised value, hex
    person_id TEXT NOT NULL REFERENCES vault_identities(person_id),
    PRIMARY KEY (scope, token, person_id)
);

CREATE TABLE vault_grants (
    id          BIGSERIAL PRIMARY KEY,
    username    TEXT NOT NULL,
    person_id   TEXT,
    incident_id BIGINT,
    purpose     TEXT NOT NULL,
    expires_at  BIGINT NOT NULL,
    granted_by  TEXT NOT NULL,
    granted_at  BIGINT NOT NULL,
    revoked_at  BIGINT,
    revoked_by  TEXT,
    CHECK ((person_id IS NULL) <> (incident_id IS NULL))
);
CREATE INDEX vault_grants_user ON vault_grants(username);

CREATE TABLE vault_consent (
    person_id    TEXT PRIMARY KEY REFERENCES vault_identities(person_id),
    consent_json TEXT NOT NULL,         -- aman_vault::access::Consent list
    recorded_by  TEXT NOT NULL,
    recorded_at  BIGINT NOT NULL
);

-- Evidence files: content-addressed by the SHA-256 taken at intake; the encrypted file
-- lives under DATA_DIR/evidence/<sha256>.enc and is never replaced.
CREATE TABLE vault_evidence (
    sha256       TEXT PRIMARY KEY,
    incident_id  BIGINT,
    media_type   TEXT NOT NULL,
    size         BIGINT NOT NULL,
    collected_by TEXT NOT NULL,
    collected_at BIGINT NOT NULL,
    place        TEXT,
    device       TEXT,
    kek_id       TEXT NOT NULL,
    added_by     TEXT NOT NULL,
    added_at     BIGINT NOT NULL
);
CREATE INDEX vault_evidence_incident ON vault_evidence(incident_id);

CREATE TABLE vault_custody (
    sha256     TEXT NOT NULL REFERENCES vault_evidence(sha256),
    seq        BIGINT NOT NULL,
    action     TEXT NOT NULL,
    actor      TEXT NOT NULL,
    at         BIGINT NOT NULL,
    event_json TEXT NOT NULL,           -- aman_vault::custody::SignedCustodyEvent
    PRIMARY KEY (sha256, seq)
);

-- Signed tree heads of the audit log.
CREATE TABLE vault_checkpoints (
    tree_size  BIGINT PRIMARY KEY,
    root_hash  TEXT NOT NULL,
    key_id     TEXT NOT NULL,
    head_json  TEXT NOT NULL,           -- aman_vault::checkpoint::SignedTreeHead
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
