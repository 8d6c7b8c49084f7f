//! The HTTP API driven in-process (`tower::ServiceExt::oneshot`) against a real SQLite
//! store in a temporary folder and the built-in gazetteer; the main story runs against
//! PostgreSQL too when `AMAN_TEST_PG_URL` is set.

use std::collections::BTreeSet;
use std::sync::Arc;

use aman_core::{FixedClock, Role};
use aman_geo::Geocoder;
use aman_server::{app, matrix_markdown, Access, AppState, RULES};
use aman_store::{SqlStore, Store, Who};
use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use chrono::{Duration, TimeZone, Utc};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

const PASSWORD: &str = "correct horse battery";

/// One application over one fresh store.
struct Env {
    app: Router,
    store: Arc<dyn Store>,
    clock: Arc<FixedClock>,
    sqlite: Option<std::path::PathBuf>,
    pg: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some((url, schema)) = &self.pg {
            if let Ok(mut c) = postgres::Client::connect(url, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
    }
}

fn geocoder() -> Arc<Geocoder> {
    static GEO: std::sync::OnceLock<Arc<Geocoder>> = std::sync::OnceLock::new();
    GEO.get_or_init(|| Arc::new(Geocoder::builtin())).clone()
}

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2010, 7, 1, 8, 0, 0).unwrap(),
    ))
}

fn build(store: Arc<dyn Store>, clock: Arc<FixedClock>, dir: tempfile::TempDir) -> Env {
    for role in Role::ALL {
        let hash = aman_service::auth::hash_password(PASSWORD).unwrap();
        store
            .create_user(&Who::system(), role.code(), role, &hash)
            .unwrap();
    }
    Env {
        app: app(AppState::new(store.clone(), geocoder())),
        store,
        clock,
        sqlite: None,
        pg: None,
        _dir: dir,
    }
}

fn sqlite_env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aman.db");
    let clock = clock();
    let store = Arc::new(SqlStore::sqlite(&path, clock.clone()).unwrap());
    let mut env = build(store, clock, dir);
    env.sqlite = Some(path);
    env
}

/// Runs one story on a fresh runtime. Stores are made and dropped outside it because
/// the synchronous PostgreSQL client owns a runtime of its own, which tokio refuses to
/// start or drop inside another.
fn on_runtime(story: impl std::future::Future<Output = ()>) {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(story);
}

/// SQLite always; PostgreSQL as well when a server is configured.
fn envs(test: &str) -> Vec<Env> {
    let mut out = vec![sqlite_env()];
    if let Some(url) = aman_testkit::postgres_url(test) {
        let schema = format!("t_api_{}_{}", std::process::id(), rand::random::<u32>());
        let clock = clock();
        let store = Arc::new(SqlStore::postgres(&url, Some(&schema), clock.clone()).unwrap());
        let mut env = build(store, clock, tempfile::tempdir().unwrap());
        env.pg = Some((url, schema));
        out.push(env);
    }
    out
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
    text: String,
}

impl Env {
    async fn send(&self, req: Request<Body>) -> Answer {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
            text,
        }
    }

    async fn raw(&self, method: Method, uri: &str, token: Option<&str>, body: Vec<u8>) -> Answer {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if !body.is_empty() {
            req = req.header(header::CONTENT_TYPE, "application/json");
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    async fn call(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let bytes = body
            .map(|b| serde_json::to_vec(&b).unwrap())
            .unwrap_or_default();
        self.raw(method, uri, token, bytes).await
    }

    async fn get(&self, uri: &str, token: &str) -> Answer {
        self.call(Method::GET, uri, Some(token), None).await
    }

    async fn post(&self, uri: &str, token: &str, body: Value) -> Answer {
        self.call(Method::POST, uri, Some(token), Some(body)).await
    }

    async fn login(&self, role: Role) -> String {
        let a = self
            .call(
                Method::POST,
                "/api/v1/login",
                None,
                Some(json!({"username": role.code(), "password": PASSWORD})),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        a.body["token"].as_str().unwrap().to_string()
    }

    async fn source(&self, token: &str, name: &str) -> i64 {
        let a = self
            .post(
                "/api/v1/sources",
                token,
                json!({"name": name, "organisation": "Test NGO", "kind": "ngo", "reliability": "B"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
        a.body["id"].as_i64().unwrap()
    }

    async fn report(&self, token: &str, body: Value) -> Value {
        let a = self.post("/api/v1/reports", token, body).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
        a.body
    }

    /// A report taken in and then taken out of the incident intake linked it to, for
    /// stories that build incidents by hand.
    async fn unlinked_report(&self, token: &str, body: Value) -> Value {
        let mut r = self.report(token, body).await;
        if let Some(incident) = r["incident_id"].as_i64() {
            let uri = format!(
                "/api/v1/incidents/{incident}/reports/{}?reason=test%20builds%20incidents%20by%20hand",
                r["id"]
            );
            let a = self.call(Method::DELETE, &uri, Some(token), None).await;
            assert_eq!(a.status, StatusCode::OK, "{}", a.text);
            r["incident_id"] = Value::Null;
        }
        r
    }

    /// Runs a store call off the async threads (see `counts`).
    fn with_store<T: Send>(&self, f: impl FnOnce(&dyn Store) -> T + Send) -> T {
        let store = &self.store;
        std::thread::scope(|s| s.spawn(|| f(store.as_ref())).join().unwrap())
    }

    /// Read straight from the store, off the async threads (the PostgreSQL driver
    /// runs its own runtime and may not start inside ours).
    fn counts(&self) -> (u64, u64, usize) {
        let store = &self.store;
        std::thread::scope(|s| {
            s.spawn(|| {
                let c = store.counts().unwrap();
                let audit = store.audit_page(0, 1000).unwrap().len();
                (c.reports, c.incidents, audit)
            })
            .join()
            .unwrap()
        })
    }
}

fn report_body(source_id: i64, day: u32, place: &str, types: &[&str], text: &str) -> Value {
    let t = Utc.with_ymd_and_hms(2010, 6, day, 12, 0, 0).unwrap();
    json!({
        "source_id": source_id,
        "event_time": {"start": t, "end": t + Duration::hours(1), "precision": "hour"},
        "place_text": place,
        "event_types": types,
        "narrative": {"text": text, "language": "ru"},
        "credibility": 2,
    })
}

/// Asserts the error envelope and returns its code.
fn envelope(a: &Answer) -> &str {
    let e = &a.body["error"];
    assert!(
        e["message"].is_string(),
        "not an error envelope: {}",
        a.text
    );
    e["code"].as_str().unwrap()
}

fn fields(a: &Answer) -> Vec<String> {
    a.body["error"]["fields"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|f| f["field"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Every (method, path) of the generated OpenAPI document.
async fn operations(env: &Env) -> Vec<(String, String)> {
    let a = env
        .call(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let mut ops = Vec::new();
    for (path, item) in a.body["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                ops.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

#[tokio::test]
async fn every_route_has_a_rule_and_every_role_gets_exactly_what_the_matrix_says() {
    let env = sqlite_env();
    let ops = operations(&env).await;
    let op_set: BTreeSet<_> = ops.iter().cloned().collect();
    let rule_set: BTreeSet<_> = RULES
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    assert_eq!(
        op_set, rule_set,
        "OpenAPI operations and permission rules differ"
    );

    let mut tokens = Vec::new();
    for role in Role::ALL {
        tokens.push((role, env.login(role).await));
    }
    for (method, path) in &ops {
        let uri = path
            .replace("{id}", "1")
            .replace("{report_id}", "1")
            .replace("{name}", "ui.css")
            .replace("{lang}", "en");
        // Web UI pages answer in HTML: no session → to /login, a refused role → HTML 403.
        let page = aman_server::ui::is_page(path);
        let method: Method = method.parse().unwrap();
        let rule = aman_server::permissions::rule_for(method.as_str(), path).unwrap();
        let body = (method != Method::GET).then(|| json!({}));

        let anon = env.call(method.clone(), &uri, None, body.clone()).await;
        match rule.access {
            Access::Public => assert!(
                anon.status != StatusCode::UNAUTHORIZED && anon.status != StatusCode::FORBIDDEN,
                "{method} {path} is public but answered {} without a token",
                anon.status
            ),
            Access::Roles(_) if page => {
                assert_eq!(anon.status, StatusCode::SEE_OTHER, "{method} {path}");
                assert_eq!(anon.headers[header::LOCATION], "/login", "{method} {path}");
            }
            Access::Roles(_) => {
                assert_eq!(anon.status, StatusCode::UNAUTHORIZED, "{method} {path}");
                assert_eq!(envelope(&anon), "unauthorized");
            }
        }
        for (role, token) in &tokens {
            // Logging out would end the session the rest of the walk uses.
            let fresh;
            let token = if path == "/api/v1/logout" {
                fresh = env.login(*role).await;
                &fresh
            } else {
                token
            };
            let a = env
                .call(method.clone(), &uri, Some(token), body.clone())
                .await;
            assert!(
                a.status != StatusCode::UNAUTHORIZED,
                "{method} {path} as {role:?}: {}",
                a.text
            );
            assert!(
                !a.status.is_server_error(),
                "{method} {path} as {role:?}: {}",
                a.text
            );
            if rule.access.allows(*role) {
                assert_ne!(
                    a.status,
                    StatusCode::FORBIDDEN,
                    "{method} {path} as {role:?}"
                );
            } else {
                assert_eq!(
                    a.status,
                    StatusCode::FORBIDDEN,
                    "{method} {path} as {role:?}"
                );
                if page {
                    assert!(a.text.starts_with("<!DOCTYPE html>"), "{method} {path}");
                } else {
                    assert_eq!(envelope(&a), "forbidden");
                }
            }
        }
    }
}

#[test]
fn the_documented_matrix_is_generated_from_the_rules() {
    let committed = aman_testkit::repo_root().join("crates/aman-server/PERMISSIONS.md");
    let text = std::fs::read_to_string(&committed).unwrap();
    let table = matrix_markdown();
    assert!(
        text.contains(&table),
        "{} is out of date; replace its table with:\n{table}",
        committed.display()
    );
    let api_doc = aman_testkit::repo_root().join("docs/API.md");
    if let Ok(doc) = std::fs::read_to_string(&api_doc) {
        if doc.contains("| Method | Path |") {
            assert!(
                doc.contains(&table),
                "docs/API.md's permission table is out of date:\n{table}"
            );
        }
    }
}

#[tokio::test]
async fn login_expiry_and_logout() {
    let env = sqlite_env();
    let wrong = env
        .call(
            Method::POST,
            "/api/v1/login",
            None,
            Some(json!({"username": "analyst", "password": "not the password"})),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(envelope(&wrong), "unauthorized");
    let nobody = env
        .call(
            Method::POST,
            "/api/v1/login",
            None,
            Some(json!({"username": "nobody", "password": PASSWORD})),
        )
        .await;
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        nobody.body, wrong.body,
        "unknown users look like wrong passwords"
    );

    let ok = env
        .call(
            Method::POST,
            "/api/v1/login",
            None,
            Some(json!({"username": "analyst", "password": PASSWORD})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.body["user"]["role"], "analyst");
    assert!(ok.body["expires_at"].is_string());
    let token = ok.body["token"].as_str().unwrap().to_string();
    let cookie = ok.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(
        cookie.starts_with(&format!("aman_session={token};")),
        "{cookie}"
    );
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );

    let me = env.get("/api/v1/me", &token).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["username"], "analyst");
    let by_cookie = env
        .send(
            Request::get("/api/v1/me")
                .header(header::COOKIE, format!("theme=dark; aman_session={token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(by_cookie.status, StatusCode::OK);
    let bogus = env.get("/api/v1/me", "not-a-token").await;
    assert_eq!(bogus.status, StatusCode::UNAUTHORIZED);

    env.clock
        .advance(Duration::hours(aman_service::auth::SESSION_HOURS) + Duration::minutes(1));
    let expired = env.get("/api/v1/me", &token).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(envelope(&expired), "unauthorized");

    let token = env.login(Role::Analyst).await;
    let out = env
        .call(Method::POST, "/api/v1/logout", Some(&token), None)
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(out.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(
        env.get("/api/v1/me", &token).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[test]
fn a_cyrillic_place_is_resolved_on_intake() {
    for env in envs("a_cyrillic_place_is_resolved_on_intake") {
        on_runtime(a_cyrillic_place_is_resolved_on_intake_story(&env));
    }
}

async fn a_cyrillic_place_is_resolved_on_intake_story(env: &Env) {
    let token = env.login(Role::FieldMonitor).await;
    let admin = env.login(Role::Admin).await;
    let source = env.source(&admin, "Hotline Osh").await;
    for place in ["мкр. Черемушки, г. Ош", "Жалал-Абад"] {
        let r = env
            .report(
                &token,
                report_body(source, 11, place, &["arson"], "Дома горят"),
            )
            .await;
        assert_eq!(r["place_text"], place, "the text is kept as received");
        assert_eq!(r["place_status"], "resolved", "{place}: {r}");
        let p = &r["place"];
        assert!(p["precision"].is_string(), "{place}: {p}");
        assert!(p["admin1_code"].is_string(), "{place}: {p}");
        assert!(p["latitude"].as_f64().unwrap() > 39.0, "{place}: {p}");
        assert_eq!(r["created_by"], "field_monitor");
        let id = r["id"].as_i64().unwrap();
        let again = env.get(&format!("/api/v1/reports/{id}"), &token).await;
        assert_eq!(again.status, StatusCode::OK);
        assert_eq!(again.body, r);
    }
    let places = env
        .get(
            "/api/v1/places?q=%D0%96%D0%B0%D0%BB%D0%B0%D0%BB-%D0%90%D0%B1%D0%B0%D0%B4&limit=3",
            &token,
        )
        .await;
    assert_eq!(places.status, StatusCode::OK, "{}", places.text);
    let list = places.body.as_array().unwrap();
    assert!(!list.is_empty() && list.len() <= 3);
    assert!(
        list[0]["confidence"].as_f64().unwrap() > 0.5,
        "{}",
        places.text
    );
    let missing = env.get("/api/v1/places", &token).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(fields(&missing), ["q"]);
}

#[test]
fn reports_filter_and_paginate_stably() {
    for env in envs("reports_filter_and_paginate_stably") {
        on_runtime(reports_filter_and_paginate_stably_story(&env));
    }
}

async fn reports_filter_and_paginate_stably_story(env: &Env) {
    let token = env.login(Role::Investigator).await;
    let source = env.source(&token, "Patrol").await;
    let mut ids = Vec::new();
    let cases = [
        (10, "Osh", vec!["arson"], "houses burning near the bazaar"),
        (
            11,
            "Osh",
            vec!["killing", "arson"],
            "shooting on the main road",
        ),
        (12, "Jalal-Abad", vec!["arson"], "houses burning at night"),
        (14, "Bishkek", vec!["protest"], "crowd at the square"),
        (15, "Osh", vec!["looting"], "shops looted"),
    ];
    for (day, place, types, text) in &cases {
        let r = env
            .report(&token, report_body(source, *day, place, types, text))
            .await;
        ids.push(r["id"].as_i64().unwrap());
    }
    // Southern Kyrgyzstan (Osh and Jalal-Abad), not Bishkek.
    let bbox = "bbox=72.0,40.0,74.0,41.5";
    let a = env
        .get(
            &format!("/api/v1/reports?from=2010-06-10&to=2010-06-12&type=arson&{bbox}&q=burning"),
            &token,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let got: Vec<i64> = a.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, vec![ids[2], ids[0]]);

    let types = env
        .get("/api/v1/reports?type=killing,looting", &token)
        .await;
    assert_eq!(types.body["items"].as_array().unwrap().len(), 2);
    let repeated = env
        .get("/api/v1/reports?type=killing&type=looting", &token)
        .await;
    assert_eq!(repeated.body, types.body);
    let day = env
        .get(
            "/api/v1/reports?from=2010-06-14T00:00:00Z&to=2010-06-14",
            &token,
        )
        .await;
    assert_eq!(day.body["items"][0]["id"].as_i64(), Some(ids[3]));
    assert_eq!(day.body["items"].as_array().unwrap().len(), 1);

    // Walk in pages of two while a new report arrives: nothing repeats or goes missing.
    let mut seen = Vec::new();
    let mut uri = "/api/v1/reports?limit=2".to_string();
    loop {
        let page = env.get(&uri, &token).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        seen.extend(
            page.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_i64().unwrap()),
        );
        if seen.len() == 2 {
            env.report(&token, report_body(source, 16, "Osh", &["arson"], "late"))
                .await;
        }
        match page.body["next_before"].as_i64() {
            Some(b) => uri = format!("/api/v1/reports?limit=2&before={b}"),
            None => break,
        }
    }
    let mut expected = ids.clone();
    expected.reverse();
    assert_eq!(seen, expected);

    for bad in [
        "limit=0",
        "limit=1001",
        "type=bombing",
        "bbox=1,2,3",
        "from=2010-06-31",
        "colour=red",
    ] {
        let a = env.get(&format!("/api/v1/reports?{bad}"), &token).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{bad}: {}", a.text);
        assert_eq!(envelope(&a), "bad_query");
        assert_eq!(fields(&a).len(), 1, "{bad}: {}", a.text);
    }
}

#[test]
fn incidents_link_unlink_and_change_status_with_reasons() {
    for env in envs("incidents_link_unlink_and_change_status_with_reasons") {
        on_runtime(incidents_link_unlink_and_change_status_with_reasons_story(
            &env,
        ));
    }
}

async fn incidents_link_unlink_and_change_status_with_reasons_story(env: &Env) {
    let token = env.login(Role::Investigator).await;
    let source = env.source(&token, "Patrol").await;
    let mut ids = Vec::new();
    for day in [10, 10, 11] {
        let r = env
            .unlinked_report(&token, report_body(source, day, "Osh", &["arson"], "fire"))
            .await;
        ids.push(r["id"].as_i64().unwrap());
    }
    let created = env
        .post(
            "/api/v1/incidents",
            &token,
            json!({"title": "Arson in Osh", "report_ids": [ids[0], ids[1]], "reason": "same street, same hour"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.body["id"].as_i64().unwrap();
    assert_eq!(created.body["reports"].as_array().unwrap().len(), 2);
    assert_eq!(created.body["status"], "reported");

    let linked = env
        .post(
            &format!("/api/v1/incidents/{id}/reports"),
            &token,
            json!({"report_id": ids[2], "reason": "same fire"}),
        )
        .await;
    assert_eq!(linked.status, StatusCode::OK, "{}", linked.text);
    assert_eq!(linked.body["reports"].as_array().unwrap().len(), 3);

    let by_query = env
        .call(
            Method::DELETE,
            &format!(
                "/api/v1/incidents/{id}/reports/{}?reason=different%20day",
                ids[2]
            ),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(by_query.status, StatusCode::OK, "{}", by_query.text);
    assert_eq!(by_query.body["reports"].as_array().unwrap().len(), 2);
    let no_reason = env
        .call(
            Method::DELETE,
            &format!("/api/v1/incidents/{id}/reports/{}", ids[1]),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&no_reason), ["reason"]);
    let by_body = env
        .call(
            Method::DELETE,
            &format!("/api/v1/incidents/{id}/reports/{}", ids[1]),
            Some(&token),
            Some(json!({"reason": "duplicate of another account"})),
        )
        .await;
    assert_eq!(by_body.status, StatusCode::OK, "{}", by_body.text);
    assert_eq!(by_body.body["reports"].as_array().unwrap().len(), 1);

    let status = format!("/api/v1/incidents/{id}/status");
    let skip = env
        .post(
            &status,
            &token,
            json!({"status": "verified", "reason": "looks right"}),
        )
        .await;
    assert_eq!(skip.status, StatusCode::CONFLICT, "{}", skip.text);
    assert_eq!(envelope(&skip), "conflict");
    let up = env
        .post(
            &status,
            &token,
            json!({"status": "corroborated", "reason": "second source"}),
        )
        .await;
    assert_eq!(up.status, StatusCode::OK, "{}", up.text);
    assert_eq!(up.body["from"], "reported");
    assert_eq!(up.body["by"], "investigator");

    let got = env.get(&format!("/api/v1/incidents/{id}"), &token).await;
    assert_eq!(got.body["status"], "corroborated");
    let history = got.body["history"].as_array().unwrap();
    assert_eq!(history.last().unwrap()["reason"], "second source");

    let list = env
        .get("/api/v1/incidents?status=corroborated&type=arson", &token)
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.body["items"][0]["id"].as_i64(), Some(id));
    let none = env.get("/api/v1/incidents?status=verified", &token).await;
    assert!(none.body["items"].as_array().unwrap().is_empty());
    let missing = env.get("/api/v1/incidents/999999", &token).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(envelope(&missing), "not_found");
    let bad_id = env.get("/api/v1/incidents/abc", &token).await;
    assert_eq!(bad_id.status, StatusCode::BAD_REQUEST);
    assert_eq!(fields(&bad_id), ["id"]);
}

#[test]
fn bad_input_is_refused_by_field_and_changes_nothing() {
    for env in envs("bad_input_is_refused_by_field_and_changes_nothing") {
        on_runtime(bad_input_is_refused_by_field_and_changes_nothing_story(
            &env,
        ));
    }
}

async fn bad_input_is_refused_by_field_and_changes_nothing_story(env: &Env) {
    let token = env.login(Role::Admin).await;
    let source = env.source(&token, "Patrol").await;
    let good = env
        .unlinked_report(&token, report_body(source, 10, "Osh", &["arson"], "fire"))
        .await;
    let incident = env
        .post(
            "/api/v1/incidents",
            &token,
            json!({"title": "t", "report_ids": [good["id"]], "reason": "r"}),
        )
        .await;
    let incident = incident.body["id"].as_i64().unwrap();
    let before = env.counts();
    let base = report_body(source, 10, "Osh", &["arson"], "fire");
    let with = |key: &str, value: Value| {
        let mut b = base.clone();
        b[key] = value;
        b
    };

    let malformed = env
        .raw(
            Method::POST,
            "/api/v1/reports",
            Some(&token),
            b"{\"source_id\": 1,".to_vec(),
        )
        .await;
    assert_eq!(
        malformed.status,
        StatusCode::BAD_REQUEST,
        "{}",
        malformed.text
    );
    assert_eq!(envelope(&malformed), "bad_json");

    let mut off_globe = base.clone();
    off_globe["latitude"] = json!(95.0);
    off_globe["longitude"] = json!(72.8);
    let cases: Vec<(Value, &str)> = vec![
        (with("killed", json!(3)), "killed"),
        (with("credibility", json!(7)), "credibility"),
        (with("source_id", json!("one")), "source_id"),
        (off_globe, "latitude"),
        (
            with(
                "event_time",
                json!({"start": "2010-06-31T12:00:00Z", "end": "2010-07-01T13:00:00Z", "precision": "hour"}),
            ),
            "event_time.start",
        ),
        (
            with(
                "narrative",
                json!({"text": "x".repeat(100 * 1024), "language": "ru"}),
            ),
            "narrative.text",
        ),
    ];
    for (body, field) in cases {
        let a = env.post("/api/v1/reports", &token, body).await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            a.text
        );
        assert_eq!(envelope(&a), "invalid");
        assert!(
            fields(&a).contains(&field.to_string()),
            "{field}: {}",
            a.text
        );
    }
    let credibility = env
        .post("/api/v1/reports", &token, with("credibility", json!(7)))
        .await;
    assert!(credibility.text.contains("1–6"), "{}", credibility.text);

    let huge = with(
        "narrative",
        json!({"text": "x".repeat(5 * 1024 * 1024), "language": "ru"}),
    );
    let a = env.post("/api/v1/reports", &token, huge).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(envelope(&a), "payload_too_large");

    let no_reason = env
        .post(
            &format!("/api/v1/incidents/{incident}/status"),
            &token,
            json!({"status": "disputed"}),
        )
        .await;
    assert_eq!(
        no_reason.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        no_reason.text
    );
    assert_eq!(fields(&no_reason), ["reason"]);
    let blank = env
        .post(
            &format!("/api/v1/incidents/{incident}/status"),
            &token,
            json!({"status": "disputed", "reason": "  "}),
        )
        .await;
    assert_eq!(fields(&blank), ["reason"]);
    let form = env
        .send(
            Request::post("/api/v1/reports")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("source_id=1"))
                .unwrap(),
        )
        .await;
    assert_eq!(form.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let weak = env
        .post(
            "/api/v1/users",
            &token,
            json!({"username": "new.user", "role": "analyst", "password": "short"}),
        )
        .await;
    assert_eq!(fields(&weak), ["password"]);

    assert_eq!(env.counts(), before, "a refused request changed the store");
}

#[tokio::test]
async fn a_server_error_reveals_nothing_internal() {
    let env = sqlite_env();
    let token = env.login(Role::Admin).await;
    let source = env.source(&token, "Patrol").await;
    let r = env
        .report(&token, report_body(source, 10, "Osh", &["arson"], "fire"))
        .await;
    let id = r["id"].as_i64().unwrap();
    let db = rusqlite::Connection::open(env.sqlite.as_ref().unwrap()).unwrap();
    db.execute(
        "UPDATE reports SET input_json = 'SECRET-{' WHERE id = ?1",
        [id],
    )
    .unwrap();
    let a = env.get(&format!("/api/v1/reports/{id}"), &token).await;
    assert_eq!(a.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(envelope(&a), "internal");
    let message = a.body["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("internal error; reference "),
        "{message}"
    );
    for leak in ["SECRET", "report", "json", "line", "column", "sql"] {
        assert!(
            !a.text.to_lowercase().contains(&leak.to_lowercase()),
            "{leak} leaked: {}",
            a.text
        );
    }
}

#[tokio::test]
async fn openapi_describes_every_route_with_bearer_auth() {
    let env = sqlite_env();
    let a = env
        .call(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let doc: Value = serde_json::from_str(&a.text).expect("valid JSON");
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    for rule in RULES {
        let op = &doc["paths"][rule.path][rule.method.to_lowercase()];
        assert!(op.is_object(), "{} {} missing", rule.method, rule.path);
        assert!(op["responses"].is_object());
        let secured = op["security"].is_array();
        assert_eq!(
            secured,
            rule.access != Access::Public,
            "{} {}",
            rule.method,
            rule.path
        );
    }
    for schema in [
        "Report",
        "ReportInput",
        "Incident",
        "ErrorBody",
        "PlaceCandidate",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} schema missing"
        );
    }
    assert_eq!(
        aman_server::openapi().paths.paths.len(),
        doc["paths"].as_object().unwrap().len()
    );
}

#[tokio::test]
async fn landing_page_health_and_stats() {
    let env = sqlite_env();
    let home = env.call(Method::GET, "/", None, None).await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.headers[header::LOCATION], "/login");
    let page = env.call(Method::GET, "/login", None, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("/api/v1/openapi.json"));
    assert!(!page.text.contains("SYNTHETIC"));
    assert!(
        !page.text.contains("http://") && !page.text.contains("https://"),
        "no external resources"
    );
    let health = env.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(health.body["status"], "ok");
    assert_eq!(
        env.call(Method::GET, "/nowhere", None, None).await.status,
        StatusCode::NOT_FOUND
    );

    let admin = env.login(Role::Admin).await;
    let a = env
        .post(
            "/api/v1/sources",
            &admin,
            json!({"name": "Demo", "organisation": "Demo", "kind": "ngo", "reliability": "C", "synthetic": true}),
        )
        .await;
    let source = a.body["id"].as_i64().unwrap();
    env.report(&admin, report_body(source, 10, "Osh", &["arson"], "fire"))
        .await;
    let page = env.call(Method::GET, "/login", None, None).await;
    assert!(page.text.contains(aman_core::SYNTHETIC_LABEL));

    let partner = env.login(Role::Partner).await;
    let stats = env.get("/api/v1/stats", &partner).await;
    assert_eq!(stats.status, StatusCode::OK);
    assert_eq!(stats.body["reports"], 1);
    assert_eq!(stats.body["data_label"], aman_core::SYNTHETIC_LABEL);
    let keys: BTreeSet<_> = stats.body.as_object().unwrap().keys().cloned().collect();
    assert!(keys
        .iter()
        .all(|k| !k.contains("name") && !k.contains("place_text")));

    let users = env
        .post(
            "/api/v1/users",
            &admin,
            json!({"username": "new.monitor", "role": "field_monitor", "password": PASSWORD}),
        )
        .await;
    assert_eq!(users.status, StatusCode::CREATED, "{}", users.text);
    assert!(!users.text.contains("argon2"));
    let taken = env
        .post(
            "/api/v1/users",
            &admin,
            json!({"username": "new.monitor", "role": "field_monitor", "password": PASSWORD}),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    let verify = env.get("/api/v1/audit/verify", &admin).await;
    assert_eq!(verify.body["intact"], true, "{}", verify.text);
    let audit = env.get("/api/v1/audit?after=0&limit=2", &admin).await;
    assert_eq!(audit.body.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_route_without_a_rule_is_refused_and_wrong_methods_get_405() {
    let env = sqlite_env();
    let state = AppState::new(env.store.clone(), geocoder());
    let unruled: Router = Router::new()
        .route("/api/v1/unruled", axum::routing::get(|| async { "secret" }))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            aman_server::permissions::authorize,
        ))
        .with_state(state);
    let res = unruled
        .oneshot(Request::get("/api/v1/unruled").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(body["error"]["code"], "no_permission_rule");
    assert!(!String::from_utf8_lossy(&bytes).contains("secret"));

    let token = env.login(Role::Admin).await;
    let put = env
        .call(Method::PUT, "/api/v1/me", Some(&token), Some(json!({})))
        .await;
    assert_eq!(put.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(envelope(&put), "method_not_allowed");
    let head = env.call(Method::HEAD, "/healthz", None, None).await;
    assert_eq!(head.status, StatusCode::OK);
    let head = env.call(Method::HEAD, "/api/v1/me", None, None).await;
    assert_eq!(head.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn serve_answers_over_tcp_and_shuts_down_gracefully() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let env = sqlite_env();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(aman_server::serve_on(
        AppState::new(env.store.clone(), geocoder()),
        listener,
        async {
            let _ = stopped.await;
        },
    ));
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"status\":\"ok\""), "{answer}");
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[test]
fn intake_links_reports_and_the_review_queue_and_estimates_work() {
    for env in envs("intake_review_estimates") {
        on_runtime(intake_review_estimates_story(&env));
    }
}

async fn intake_review_estimates_story(env: &Env) {
    let token = env.login(Role::Investigator).await;
    let patrol = env.source(&token, "Patrol").await;
    let ngo = env.source(&token, "NGO").await;
    let text = "Дома на улице Ленина подожжены ночью, двое погибших";
    let first = env
        .report(
            &token,
            report_body(patrol, 11, "Черемушки, Ош", &["arson"], text),
        )
        .await;
    let incident = first["incident_id"]
        .as_i64()
        .expect("the first report of an event starts an incident");
    // The same event from another source, same place and hour: linked on intake.
    let second = env
        .report(
            &token,
            report_body(ngo, 11, "Черемушки, Ош", &["arson"], text),
        )
        .await;
    assert_eq!(second["incident_id"].as_i64(), Some(incident), "{second}");
    // Nothing nearby in time: a new incident.
    let later = env
        .report(
            &token,
            report_body(patrol, 28, "Jalal-Abad", &["looting"], "shops looted"),
        )
        .await;
    let other = later["incident_id"].as_i64().unwrap();
    assert_ne!(other, incident);

    // A pair the linker was unsure about, queued as intake would queue it.
    let later_id = later["id"].as_i64().unwrap();
    env.with_store(|s| {
        s.unlink_report(
            &Who::user("investigator"),
            other,
            later_id,
            "test: make it a candidate",
        )
        .unwrap();
        s.queue_for_review(
            &Who::user("system"),
            &[aman_store::NewReviewCandidate {
                kind: aman_store::ReviewKind::ReportIncident,
                left_ref: later_id.to_string(),
                right_ref: incident.to_string(),
                probability: 0.55,
                explanation: json!({"fields": [{"field": "time", "weight": -1.2}]}),
            }],
        )
        .unwrap();
    });
    let analyst = env.login(Role::Analyst).await;
    let queue = env
        .get("/api/v1/review?kind=report_incident", &analyst)
        .await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.text);
    let items = queue.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let id = items[0]["id"].as_i64().unwrap();
    assert_eq!(items[0]["explanation"]["fields"][0]["field"], "time");

    let partner = env.login(Role::Partner).await;
    assert_eq!(
        env.get("/api/v1/review", &partner).await.status,
        StatusCode::FORBIDDEN
    );
    let monitor = env.login(Role::FieldMonitor).await;
    let refused = env
        .post(
            &format!("/api/v1/review/{id}/decision"),
            &monitor,
            json!({"decision": "match", "reason": "x"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let no_reason = env
        .post(
            &format!("/api/v1/review/{id}/decision"),
            &analyst,
            json!({"decision": "match", "reason": " "}),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let decided = env
        .post(
            &format!("/api/v1/review/{id}/decision"),
            &analyst,
            json!({"decision": "match", "reason": "same fire, dated late by the source"}),
        )
        .await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.text);
    assert_eq!(decided.body["decision"], "match");
    let report = env
        .get(&format!("/api/v1/reports/{later_id}"), &analyst)
        .await;
    assert_eq!(report.body["incident_id"].as_i64(), Some(incident));
    let undone = env
        .post(
            &format!("/api/v1/review/{id}/decision"),
            &analyst,
            json!({"decision": "not_a_match", "reason": "the dates cannot be reconciled"}),
        )
        .await;
    assert_eq!(undone.body["history"].as_array().unwrap().len(), 2);
    let report = env
        .get(&format!("/api/v1/reports/{later_id}"), &analyst)
        .await;
    assert!(report.body["incident_id"].is_null());
    let pending = env.get("/api/v1/review", &analyst).await;
    assert_eq!(pending.body["items"].as_array().unwrap().len(), 0);
    let decided_list = env.get("/api/v1/review?state=decided", &analyst).await;
    assert_eq!(decided_list.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        env.get("/api/v1/review?state=maybe", &analyst).await.status,
        StatusCode::BAD_REQUEST
    );

    // Estimates over victim lists linked in the database.
    let none = env
        .post(
            "/api/v1/estimates",
            &analyst,
            json!({"methods": ["loglinear"]}),
        )
        .await;
    assert_eq!(
        none.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        none.text
    );
    env.with_store(|s| {
        let lists: Vec<String> = ["morgue", "ngo", "commission"].map(String::from).to_vec();
        let mut records = Vec::new();
        // 3-list capture pattern counts of a closed population.
        let cells: [(u8, usize); 7] = [
            (1, 60),
            (2, 49),
            (3, 4),
            (4, 247),
            (5, 112),
            (6, 142),
            (7, 12),
        ];
        let mut n = 0u64;
        for (mask, count) in cells {
            for _ in 0..count {
                n += 1;
                let person = aman_core::PersonId::from_random(n);
                for (k, list) in lists.iter().enumerate() {
                    if mask & (1 << k) != 0 {
                        records.push(aman_store::ListRecord {
                            list_name: list.clone(),
                            record_ref: format!("{list}-{n}"),
                            person_id: person.clone(),
                            sex: Some(if n.is_multiple_of(2) { "m" } else { "f" }.into()),
                            age: None,
                            event_date: None,
                            area: None,
                        });
                    }
                }
            }
        }
        s.save_list_linkage(&Who::user("analyst"), &lists, &records, true, "test lists")
            .unwrap();
    });
    let made = env
        .post(
            "/api/v1/estimates",
            &analyst,
            json!({"methods": ["loglinear"], "by": ["sex"], "seed": 7}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let runs = made.body.as_array().unwrap();
    assert_eq!(runs.len(), 2, "one run per sex");
    assert_eq!(runs[0]["seed"], 7);
    assert!(runs[0]["result"]["loglinear"].is_object(), "{}", runs[0]);
    let bad = env
        .post("/api/v1/estimates", &analyst, json!({"by": ["colour"]}))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let listed = env.get("/api/v1/estimates", &partner).await;
    assert_eq!(listed.status, StatusCode::FORBIDDEN);
    let listed = env.get("/api/v1/estimates?limit=10", &analyst).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 2);
    let one = env
        .get(&format!("/api/v1/estimates/{}", runs[1]["id"]), &analyst)
        .await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.body["stratum"], runs[1]["stratum"]);
    assert_eq!(
        env.get("/api/v1/estimates/999999", &analyst).await.status,
        StatusCode::NOT_FOUND
    );
}
