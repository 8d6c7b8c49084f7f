//! Canary test at the crate level: planted witness details never appear in anything the
//! vault hands back for storage, logging or transport, only in what a caller explicitly
//! opens.

use std::collections::BTreeSet;

use aman_vault::access::{Consent, Grant, GrantScope, Recipient};
use aman_vault::blind_index::{BlindIndexKey, Normalise};
use aman_vault::bundle::{create_bundle, BundleContents, ReleasedIdentity};
use aman_vault::envelope::{open, seal_json, FieldContext};
use aman_vault::evidence::{encrypt_evidence, DEFAULT_CHUNK_SIZE};
use aman_vault::keys::{KdfParams, Keyring, PassphraseKdf};
use aman_vault::signing::SignerKey;
use aman_vault::{AgeIdentity, ExposeSecret, SecretString};
use chrono::{TimeZone, Utc};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

const NAME: &str = "Zarina Canarova-Tashieva";
const PHONE: &str = "+996555777999";

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn assert_clean(what: &str, bytes: &[u8]) {
    for needle in [NAME, PHONE, "Canarova", "555777999"] {
        assert!(!contains(bytes, needle), "{what} contains {needle:?}");
    }
}

#[test]
fn planted_identity_never_leaks_outside_an_explicit_open() {
    let mut rng = ChaCha20Rng::seed_from_u64(99);
    let pass = SecretString::from("canary passphrase".to_owned());
    let (record, kek) =
        PassphraseKdf::create(&pass, KdfParams::new(256, 1, 1).unwrap(), &mut rng).unwrap();
    let keyring = Keyring::new(kek);
    let index_key = BlindIndexKey::generate(&mut rng);
    let ctx = FieldContext::new("person_identity", "identity", "p-canary");
    let identity = serde_json::json!({"name": NAME, "phone": PHONE});

    let stored = seal_json(&keyring, &ctx, &identity, &mut rng);
    assert_clean("envelope", &stored);
    let token = index_key
        .index("person.name", NAME, Normalise::Name)
        .unwrap();
    assert_clean("blind index", token.to_hex().as_bytes());
    assert_clean(
        "key record",
        serde_json::to_string(&record).unwrap().as_bytes(),
    );

    let opened = open(&keyring, &ctx, &stored).unwrap();
    assert!(
        contains(opened.expose_secret(), NAME),
        "the explicit open must give the name back"
    );
    let debug = format!("{opened:?} {keyring:?} {index_key:?} {ctx:?}");
    assert_clean("debug output", debug.as_bytes());

    let moved = open(
        &keyring,
        &FieldContext::new("person_identity", "identity", "p-other"),
        &stored,
    );
    assert_clean("error message", moved.unwrap_err().to_string().as_bytes());

    let mut evidence = Vec::new();
    let statement = format!("Statement of {NAME}, phone {PHONE}: ...");
    encrypt_evidence(
        &keyring,
        &FieldContext::new("evidence", "file", "e-1"),
        statement.as_bytes(),
        &mut evidence,
        DEFAULT_CHUNK_SIZE,
        &mut rng,
    )
    .unwrap();
    assert_clean("stored evidence", &evidence);

    let at = Utc.with_ymd_and_hms(2010, 6, 20, 0, 0, 0).unwrap();
    let grant = Grant::new(
        "g",
        "hro",
        GrantScope::Person("p-canary".into()),
        "OHCHR file",
        "lead",
        at,
        at + chrono::Duration::days(2),
    )
    .unwrap();
    let consent: BTreeSet<Consent> = [Consent::Ohchr].into_iter().collect();
    let released =
        ReleasedIdentity::new("p-canary", identity, &consent, &Recipient::Ohchr, &grant).unwrap();
    assert_clean(
        "released identity debug",
        format!("{released:?}").as_bytes(),
    );
    let node = SignerKey::generate(&mut rng);
    let bundle = create_bundle(
        &BundleContents {
            title: "canary".into(),
            identities: vec![released],
            ..Default::default()
        },
        &node,
        &[AgeIdentity::generate().to_public()],
    )
    .unwrap();
    assert_clean("encrypted bundle", &bundle);
}
