//! Key rotation: envelopes sealed under one KEK stay readable while they are rewrapped to
//! the next, and fail with a clear error once the old key is gone too early.

use aman_vault::blind_index::{BlindIndexKey, Normalise};
use aman_vault::envelope::{envelope_kek_id, open, rewrap, seal, EnvelopeError, FieldContext};
use aman_vault::keys::{KdfParams, Kek, Keyring, PassphraseKdf};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use secrecy::{ExposeSecret, SecretString};

struct Row {
    ctx: FieldContext,
    plain: Vec<u8>,
    stored: Vec<u8>,
}

fn setup() -> (Keyring, Vec<Row>, ChaCha20Rng) {
    let mut rng = ChaCha20Rng::seed_from_u64(42);
    // Low Argon2 cost for test speed only; production uses KdfParams::default().
    let params = KdfParams::new(256, 1, 1).unwrap();
    let pass = SecretString::from("old mission passphrase".to_owned());
    let (_record, kek1) = PassphraseKdf::create(&pass, params, &mut rng).unwrap();
    let ring = Keyring::new(kek1);
    let rows = (0..20)
        .map(|i| {
            let ctx = FieldContext::new("person_identity", "identity", format!("p-{i:04}"));
            let plain = format!("{{\"name\":\"Witness {i}\"}}").into_bytes();
            let stored = seal(&ring, &ctx, &plain, &mut rng);
            Row { ctx, plain, stored }
        })
        .collect();
    (ring, rows, rng)
}

#[test]
fn incremental_rotation_keeps_everything_readable() {
    let (mut ring, mut rows, mut rng) = setup();
    let kek1 = ring.current_id();
    let kek2 = Kek::generate(&mut rng);
    let kek2_id = kek2.id();
    ring.rotate_to(kek2);

    // First batch only: the node keeps serving with both keys loaded.
    for row in rows.iter_mut().take(7) {
        row.stored = rewrap(&ring, &row.stored, &mut rng)
            .unwrap()
            .expect("still on KEK1");
    }
    for row in &rows {
        assert_eq!(
            open(&ring, &row.ctx, &row.stored).unwrap().expose_secret(),
            &row.plain[..]
        );
    }
    // A record written during rotation uses the new key directly.
    let new_ctx = FieldContext::new("person_identity", "identity", "p-new");
    let new_row = seal(&ring, &new_ctx, b"late arrival", &mut rng);
    assert_eq!(envelope_kek_id(&new_row).unwrap(), kek2_id);

    // Remaining rows; a second pass finds nothing left to do.
    for row in rows.iter_mut() {
        if let Some(updated) = rewrap(&ring, &row.stored, &mut rng).unwrap() {
            row.stored = updated;
        }
    }
    assert!(rows
        .iter()
        .all(|r| rewrap(&ring, &r.stored, &mut rng).unwrap().is_none()));
    assert!(rows
        .iter()
        .all(|r| envelope_kek_id(&r.stored).unwrap() == kek2_id));

    ring.remove(kek1).unwrap();
    for row in &rows {
        assert_eq!(
            open(&ring, &row.ctx, &row.stored).unwrap().expose_secret(),
            &row.plain[..]
        );
    }
}

#[test]
fn removing_the_old_key_too_early_gives_a_clear_error() {
    let (mut ring, mut rows, mut rng) = setup();
    let kek1 = ring.current_id();
    ring.rotate_to(Kek::generate(&mut rng));
    for row in rows.iter_mut().take(5) {
        row.stored = rewrap(&ring, &row.stored, &mut rng).unwrap().unwrap();
    }
    ring.remove(kek1).unwrap();
    for (i, row) in rows.iter().enumerate() {
        let result = open(&ring, &row.ctx, &row.stored);
        if i < 5 {
            assert!(result.is_ok());
        } else {
            let err = result.unwrap_err();
            assert_eq!(err, EnvelopeError::UnknownKek(kek1));
            let message = err.to_string();
            assert!(
                message.contains(&kek1.to_hex()) && message.contains("not loaded"),
                "{message}"
            );
            assert_eq!(
                rewrap(&ring, &row.stored, &mut rng).unwrap_err(),
                EnvelopeError::UnknownKek(kek1)
            );
        }
    }
}

#[test]
fn blind_index_key_survives_rotation_so_stored_tokens_stay_valid() {
    let (mut ring, _rows, mut rng) = setup();
    let index_key = BlindIndexKey::generate(&mut rng);
    let token = index_key.index("person.phone", "+996 555 000 111", Normalise::Phone);
    let sealed = index_key.seal(&ring, &mut rng);
    let kek1 = ring.current_id();
    ring.rotate_to(Kek::generate(&mut rng));
    let sealed = rewrap(&ring, &sealed, &mut rng).unwrap().unwrap();
    ring.remove(kek1).unwrap();
    let reopened = BlindIndexKey::open(&ring, &sealed).unwrap();
    assert_eq!(
        reopened.index("person.phone", "0555000111", Normalise::Phone),
        token
    );
}
