//! Case bundle tests: a valid bundle verifies offline, and each kind of alteration is
//! reported as exactly what it is.

use std::collections::BTreeSet;

use aman_vault::access::{authorise, Consent, ConsentRefusal, Grant, GrantScope, Recipient};
use aman_vault::bundle::{
    create_bundle, verify_bundle, AuditProof, BundleArchive, BundleContents, BundleDocument,
    BundleEvidence, BundleProblem, ReleasedIdentity,
};
use aman_vault::checkpoint::{sign_tree_head, TreeHead};
use aman_vault::custody::{sign_custody_event, CustodyAction, CustodyDraft};
use aman_vault::merkle::MerkleTree;
use aman_vault::signing::{SignerKey, TrustedKeys};
use aman_vault::{AgeIdentity, Hash256};
use chrono::{TimeZone, Utc};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

struct Setup {
    node: SignerKey,
    contents: BundleContents,
    recipient: AgeIdentity,
    trusted: TrustedKeys,
}

fn setup() -> Setup {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let node = SignerKey::generate(&mut rng);
    let monitor = SignerKey::generate(&mut rng);
    let at = |h| Utc.with_ymd_and_hms(2010, 6, 15, h, 0, 0).unwrap();

    let photo = b"JPEG...burnt house in Cheremushki".to_vec();
    let item = Hash256::of(&photo);
    let draft = |action, actor: &str, hour| CustodyDraft {
        action,
        actor: actor.into(),
        at: at(hour),
        place: Some("Osh".into()),
        device: None,
        counterpart: None,
        note: None,
    };
    let e0 = sign_custody_event(
        item,
        None,
        draft(CustodyAction::Collected, "monitor-3", 8),
        &monitor,
    );
    let e1 = sign_custody_event(
        item,
        Some(&e0),
        draft(CustodyAction::Received, "node-osh", 9),
        &node,
    );
    let e2 = sign_custody_event(
        item,
        Some(&e1),
        draft(CustodyAction::Exported, "node-osh", 10),
        &node,
    );

    let audit: Vec<Vec<u8>> = (1..=100)
        .map(|i| format!(r#"{{"action":"report.create","seq":{i}}}"#).into_bytes())
        .collect();
    let tree = MerkleTree::from_entries(&audit);
    let head = sign_tree_head(
        TreeHead {
            origin: "aman osh".into(),
            tree_size: 100,
            root_hash: tree.root(),
            timestamp: at(11),
        },
        &node,
    )
    .unwrap();
    let proof = |i: u64| AuditProof {
        leaf_index: i,
        entry: audit[i as usize].clone(),
        proof: tree.inclusion_proof(i, 100).unwrap(),
    };

    let grant = Grant::new(
        "g-1",
        "hro-1",
        GrantScope::Case("case-7".into()),
        "bundle for OHCHR",
        "hro-lead",
        at(1),
        at(20),
    )
    .unwrap();
    let grants = vec![grant];
    let allowed = authorise("hro-1", "p-3", &["case-7"], at(10), &grants).unwrap();
    let consent: BTreeSet<Consent> = [Consent::Ohchr].into_iter().collect();
    let identity = ReleasedIdentity::new(
        "p-3",
        serde_json::json!({"name": "Witness Three"}),
        &consent,
        &Recipient::Ohchr,
        allowed,
    )
    .unwrap();

    let contents = BundleContents {
        title: "Case 7: Cheremushki, 11-13 June 2010".into(),
        created_at: Some(at(12)),
        documents: vec![
            BundleDocument {
                name: "incident-17".into(),
                json: serde_json::json!({"id": 17, "type": "arson"}),
            },
            BundleDocument {
                name: "report-301".into(),
                json: serde_json::json!({"id": 301, "narrative": "..."}),
            },
        ],
        evidence: vec![BundleEvidence {
            name: "IMG_0042.jpg".into(),
            bytes: photo,
            custody: vec![e0, e1, e2],
        }],
        identities: vec![identity],
        tree_head: Some(head),
        audit_proofs: vec![proof(16), proof(73)],
        custody_keys: vec![monitor.public()],
    };
    let trusted = [node.public()].into_iter().collect();
    Setup {
        node,
        contents,
        recipient: AgeIdentity::generate(),
        trusted,
    }
}

fn build(s: &Setup) -> Vec<u8> {
    create_bundle(&s.contents, &s.node, &[s.recipient.to_public()]).unwrap()
}

/// Decrypts, lets the test alter the archive, and re-encrypts to the same recipient (what
/// an over-sharing partner or a courier with the key could do).
fn alter(s: &Setup, bytes: &[u8], change: impl FnOnce(&mut BundleArchive)) -> Vec<u8> {
    let mut archive = BundleArchive::decrypt(bytes, &s.recipient).unwrap();
    change(&mut archive);
    archive.encrypt_to(&[s.recipient.to_public()]).unwrap()
}

#[test]
fn valid_bundle_verifies_offline() {
    let s = setup();
    let report = verify_bundle(&build(&s), &s.recipient, &s.trusted);
    assert!(report.is_valid(), "{report}");
    assert_eq!(report.signer.as_ref(), Some(s.node.id()));
    assert_eq!(report.proofs_checked, 2);
    assert_eq!(report.custody_histories_checked, 1);
    // 2 documents, evidence + custody, identity, tree head, proofs.
    assert_eq!(report.files_checked, 7);
    let archive = report.archive.unwrap();
    assert!(archive.files.contains_key("identities/p-3.json"));
}

#[test]
fn wrong_recipient_cannot_decrypt() {
    let s = setup();
    let report = verify_bundle(&build(&s), &AgeIdentity::generate(), &s.trusted);
    assert_eq!(report.problems.len(), 1);
    assert!(
        matches!(report.problems[0], BundleProblem::CannotDecrypt(_)),
        "{report}"
    );
    assert!(report.archive.is_none());
}

#[test]
fn changed_file_is_named() {
    let s = setup();
    let bytes = alter(&s, &build(&s), |a| {
        a.files.insert(
            "documents/incident-17.json".into(),
            br#"{"id":17,"type":"none"}"#.to_vec(),
        );
    });
    let report = verify_bundle(&bytes, &s.recipient, &s.trusted);
    assert_eq!(report.problems.len(), 1, "{report}");
    assert!(
        matches!(&report.problems[0], BundleProblem::FileHashMismatch { path, .. } if path == "documents/incident-17.json")
    );
}

#[test]
fn changed_evidence_is_named() {
    let s = setup();
    let path = format!("evidence/{}", Hash256::of(&s.contents.evidence[0].bytes));
    let p = path.clone();
    let bytes = alter(&s, &build(&s), move |a| {
        a.files.get_mut(&p).unwrap()[0] ^= 1;
    });
    let report = verify_bundle(&bytes, &s.recipient, &s.trusted);
    assert_eq!(report.problems.len(), 1, "{report}");
    assert!(
        matches!(&report.problems[0], BundleProblem::FileHashMismatch { path: got, .. } if *got == path)
    );
}

#[test]
fn edited_manifest_is_reported() {
    let s = setup();
    let bytes = alter(&s, &build(&s), |a| {
        let m = a.files.get_mut("manifest.json").unwrap();
        let text = String::from_utf8(m.clone())
            .unwrap()
            .replace("Case 7", "Case 8");
        *m = text.into_bytes();
    });
    let report = verify_bundle(&bytes, &s.recipient, &s.trusted);
    assert_eq!(
        report.problems[0],
        BundleProblem::ManifestSignatureInvalid,
        "{report}"
    );
    // The monitor's key was vouched for only by the (now unsigned) manifest, so the custody
    // events it signed can no longer be attributed; nothing else is reported.
    assert!(
        report.problems[1..].iter().all(|p| matches!(
            p,
            BundleProblem::CustodyInvalid { fault, .. }
                if matches!(fault.problem, aman_vault::custody::CustodyProblem::UnknownSigner(_))
        )),
        "{report}"
    );
    assert_eq!(report.problems.len(), 2, "{report}");
}

#[test]
fn missing_and_extra_files_are_reported() {
    let s = setup();
    let bytes = alter(&s, &build(&s), |a| {
        a.files.remove("documents/report-301.json");
        a.files
            .insert("documents/planted.json".into(), b"{}".to_vec());
    });
    let report = verify_bundle(&bytes, &s.recipient, &s.trusted);
    assert_eq!(
        report.problems,
        vec![
            BundleProblem::MissingFile("documents/report-301.json".into()),
            BundleProblem::ExtraFile("documents/planted.json".into()),
        ],
        "{report}"
    );
}

#[test]
fn replaced_proof_is_reported() {
    let s = setup();
    // Swap the two proofs: the file changes and both proofs stop matching the head.
    let bytes = alter(&s, &build(&s), |a| {
        let mut proofs: Vec<AuditProof> =
            serde_json::from_slice(&a.files["audit/proofs.json"]).unwrap();
        let first = proofs[0].proof.clone();
        proofs[0].proof = proofs[1].proof.clone();
        proofs[1].proof = first;
        a.files.insert(
            "audit/proofs.json".into(),
            serde_json::to_vec(&proofs).unwrap(),
        );
    });
    let report = verify_bundle(&bytes, &s.recipient, &s.trusted);
    assert!(report.problems.iter().any(|p| matches!(p, BundleProblem::FileHashMismatch { path, .. } if path == "audit/proofs.json")), "{report}");
    assert!(
        report.problems.iter().any(|p| matches!(
            p,
            BundleProblem::InclusionProofInvalid { leaf_index: 16, .. }
        )),
        "{report}"
    );
    assert!(
        report.problems.iter().any(|p| matches!(
            p,
            BundleProblem::InclusionProofInvalid { leaf_index: 73, .. }
        )),
        "{report}"
    );

    // A proof for an entry that is not in the log, signed into a fresh bundle: only the
    // proof fails.
    let mut s2 = setup();
    s2.contents.audit_proofs[1].entry = br#"{"action":"report.delete","seq":74}"#.to_vec();
    let report = verify_bundle(&build(&s2), &s2.recipient, &s2.trusted);
    assert_eq!(report.problems.len(), 1, "{report}");
    assert!(matches!(
        report.problems[0],
        BundleProblem::InclusionProofInvalid { leaf_index: 73, .. }
    ));
}

#[test]
fn forged_tree_head_is_reported() {
    let mut s = setup();
    s.contents.tree_head.as_mut().unwrap().head.root_hash = Hash256::of(b"other log");
    let report = verify_bundle(&build(&s), &s.recipient, &s.trusted);
    assert!(
        report
            .problems
            .iter()
            .any(|p| matches!(p, BundleProblem::TreeHeadInvalid(_))),
        "{report}"
    );
    assert!(report.problems.iter().all(|p| matches!(
        p,
        BundleProblem::TreeHeadInvalid(_) | BundleProblem::InclusionProofInvalid { .. }
    )));
}

#[test]
fn untrusted_signer_and_broken_custody_are_reported() {
    let s = setup();
    let report = verify_bundle(&build(&s), &s.recipient, &TrustedKeys::new());
    assert!(
        report
            .problems
            .contains(&BundleProblem::SignerUntrusted(s.node.id().clone())),
        "{report}"
    );

    let mut s = setup();
    s.contents.evidence[0].custody.remove(1);
    let report = verify_bundle(&build(&s), &s.recipient, &s.trusted);
    assert_eq!(report.problems.len(), 1, "{report}");
    assert!(
        matches!(&report.problems[0], BundleProblem::CustodyInvalid { fault, .. } if fault.index == 1)
    );
}

#[test]
fn identities_need_consent_for_the_recipient() {
    let at = Utc.with_ymd_and_hms(2010, 6, 15, 0, 0, 0).unwrap();
    let grant = Grant::new(
        "g",
        "hro-1",
        GrantScope::Person("p-9".into()),
        "case file",
        "lead",
        at,
        at + chrono::Duration::days(1),
    )
    .unwrap();
    let consent: BTreeSet<Consent> = [Consent::Prosecutors].into_iter().collect();
    let refused = ReleasedIdentity::new(
        "p-9",
        serde_json::json!({"name": "x"}),
        &consent,
        &Recipient::Ohchr,
        &grant,
    );
    assert_eq!(
        refused.unwrap_err(),
        ConsentRefusal::NotThisRecipient("OHCHR".into())
    );
    let released = ReleasedIdentity::new(
        "p-9",
        serde_json::json!({"name": "Secret Name"}),
        &consent,
        &Recipient::Prosecutors,
        &grant,
    )
    .unwrap();
    assert!(!format!("{released:?}").contains("Secret Name"));
}
