//! The vault's routes in-process: identities are sealed and found blind, read only under
//! a grant (admin included) with a purpose, grants are given by curators; checkpoints and
//! inclusion proofs; a server without the key answers `vault_locked`.

use std::sync::Arc;

use aman_core::{FixedClock, Role};
use aman_geo::Geocoder;
use aman_server::{app, AppState};
use aman_service::vault::{KekSource, Vault};
use aman_store::{SqlStore, Store, Who};
use aman_vault::keys::KdfParams;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use chrono::{TimeZone, Utc};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

const PASSWORD: &str = "correct horse battery";

struct Env {
    app: Router,
    locked: Router,
    store: Arc<dyn Store>,
    _dir: tempfile::TempDir,
}

fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2010, 7, 1, 8, 0, 0).unwrap(),
    ));
    let store: Arc<dyn Store> =
        Arc::new(SqlStore::sqlite(&dir.path().join("aman.db"), clock).unwrap());
    for role in Role::ALL {
        let hash = aman_service::auth::hash_password(PASSWORD).unwrap();
        store
            .create_user(&Who::system(), role.code(), role, &hash)
            .unwrap();
    }
    let key = dir.path().join("kek");
    aman_service::vault::write_new_key_file(&key).unwrap();
    let (vault, _) = Vault::init(
        store.clone(),
        &KekSource::KeyFile(key),
        KdfParams::default(),
        dir.path(),
        &Who::system(),
    )
    .unwrap();
    let geo = Arc::new(Geocoder::builtin());
    Env {
        app: app(AppState::new(store.clone(), geo.clone()).with_vault(Arc::new(vault))),
        locked: app(AppState::new(store.clone(), geo)),
        store,
        _dir: dir,
    }
}

async fn call(
    app: &Router,
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let body = match body {
        Some(b) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(serde_json::to_vec(&b).unwrap())
        }
        None => Body::empty(),
    };
    let res = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn login(app: &Router, role: Role) -> String {
    let (s, body) = call(
        app,
        Method::POST,
        "/api/v1/login",
        None,
        Some(json!({"username": role.code(), "password": PASSWORD})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn identities_are_read_only_under_a_grant_with_a_purpose() {
    let env = env();
    let app = &env.app;
    let monitor = login(app, Role::FieldMonitor).await;
    let admin = login(app, Role::Admin).await;
    let inv = login(app, Role::Investigator).await;
    let partner = login(app, Role::Partner).await;

    let (s, body) = call(
        app,
        Method::POST,
        "/api/v1/identities",
        Some(&monitor),
        Some(json!({
            "role": "witness",
            "incident_id": 4,
            "fields": {"name": "Aigul Canarova", "phone": "+996 555 161 803"},
            "consent": ["prosecutors"]
        })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let person = body["person_id"].as_str().unwrap().to_string();

    let (s, body) = call(
        app,
        Method::POST,
        "/api/v1/identities/search",
        Some(&monitor),
        Some(json!({"phone": "0555161803"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["person_ids"], json!([person]));

    let read = format!("/api/v1/identities/{person}/read");
    let purpose = json!({"purpose": "arrange protection"});
    // Admin without a grant: refused by the vault, not by the role table.
    let (s, body) = call(
        app,
        Method::POST,
        &read,
        Some(&admin),
        Some(purpose.clone()),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "grant_required");
    // Partners never reach the route.
    let (s, body) = call(
        app,
        Method::POST,
        &read,
        Some(&partner),
        Some(purpose.clone()),
    )
    .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );

    let (s, body) = call(
        app,
        Method::POST,
        "/api/v1/grants",
        Some(&inv),
        Some(json!({
            "username": "admin",
            "target": {"kind": "person", "id": person},
            "purpose": "arrange protection",
            "expires_at": "2010-07-02T00:00:00Z"
        })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let (s, body) = call(
        app,
        Method::POST,
        &read,
        Some(&admin),
        Some(purpose.clone()),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["name"], "Aigul Canarova");
    let last = env.store.audit_page(0, 1000).unwrap();
    let read_entry = last
        .iter()
        .rev()
        .find(|e| e.record.action == "identity.read")
        .unwrap();
    assert_eq!(
        read_entry.record.reason.as_deref(),
        Some("arrange protection")
    );

    // The audit log can be checkpointed and any entry proven.
    let (s, body) = call(
        app,
        Method::POST,
        "/api/v1/audit/checkpoint",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert!(body["text"]
        .as_str()
        .unwrap()
        .starts_with("aman-tree-head/v1\n"));
    let (s, body) = call(
        app,
        Method::GET,
        "/api/v1/audit/proof/2",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["leaf_index"], 1);

    // Without the key the same routes say the vault is locked.
    let admin_locked = login(&env.locked, Role::Admin).await;
    let (s, body) = call(
        &env.locked,
        Method::POST,
        &read,
        Some(&admin_locked),
        Some(purpose),
    )
    .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("vault_locked"))
    );
}
