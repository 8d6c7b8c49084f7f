//! The web UI's pages driven in-process (`oneshot`) over a real SQLite store: sign-in
//! through the form, every page for every role (200, an HTML 403, or a redirect to
//! sign in), CSRF refusals, the intake form with a Cyrillic place and with bad fields,
//! the language switch, and the security headers.

use std::sync::Arc;

use aman_core::{FixedClock, Role, SYNTHETIC_LABEL};
use aman_geo::Geocoder;
use aman_server::{app, ui, AppState};
use aman_store::{SqlStore, Store, Who};
use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use chrono::{TimeZone, Utc};
use http_body_util::BodyExt;
use tower::ServiceExt;

const PASSWORD: &str = "correct horse battery";

struct Env {
    app: Router,
    store: Arc<dyn Store>,
    _dir: tempfile::TempDir,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2010, 7, 1, 8, 0, 0).unwrap(),
    ));
    let store: Arc<dyn Store> =
        Arc::new(SqlStore::sqlite(&dir.path().join("aman.db"), clock).unwrap());
    let hash = aman_service::auth::hash_password(PASSWORD).unwrap();
    for role in Role::ALL {
        store
            .create_user(&Who::system(), role.code(), role, &hash)
            .unwrap();
    }
    let app = app(AppState::new(store.clone(), Arc::new(Geocoder::builtin())));
    Env {
        app,
        store,
        _dir: dir,
    }
}

fn form_body(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", ui::filters::encode(k), ui::filters::encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The value of a `name="…" value="…"` hidden field in a page.
fn hidden(text: &str, name: &str) -> String {
    let at = text
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no field {name}"));
    let rest = &text[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// `name=value` of a Set-Cookie header for `name`.
fn set_cookie(headers: &HeaderMap, name: &str) -> Option<(String, String)> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| {
            let first = v.split(';').next().unwrap();
            (first.to_string(), v.to_string())
        })
}

impl Env {
    async fn send(&self, method: Method, uri: &str, cookie: &str, form: Option<String>) -> Answer {
        let mut req = Request::builder().method(method).uri(uri);
        if !cookie.is_empty() {
            req = req.header(header::COOKIE, cookie);
        }
        let body = match form {
            Some(f) => {
                req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Body::from(f)
            }
            None => Body::empty(),
        };
        let res = self
            .app
            .clone()
            .oneshot(req.body(body).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&self, uri: &str, cookie: &str) -> Answer {
        self.send(Method::GET, uri, cookie, None).await
    }

    async fn post(&self, uri: &str, cookie: &str, pairs: &[(&str, &str)]) -> Answer {
        self.send(Method::POST, uri, cookie, Some(form_body(pairs)))
            .await
    }

    /// Signs in through the login form; returns the session cookie and the CSRF token.
    async fn sign_in(&self, username: &str) -> (String, String) {
        let form = self.get("/login", "").await;
        assert_eq!(form.status, StatusCode::OK);
        let (login_cookie, _) = set_cookie(&form.headers, "aman_login_csrf").unwrap();
        let token = hidden(&form.text, "csrf");
        let a = self
            .post(
                "/login",
                &login_cookie,
                &[
                    ("csrf", &token),
                    ("username", username),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
        let (session, full) = set_cookie(&a.headers, "aman_session").unwrap();
        assert!(
            full.contains("HttpOnly") && full.contains("SameSite=Strict"),
            "{full}"
        );
        let dash = self.get("/reports", &session).await;
        assert_eq!(dash.status, StatusCode::OK, "{}", dash.text);
        let csrf = hidden(&dash.text, "csrf");
        (session, csrf)
    }
}

/// One synthetic source, three reports in Osh, and an incident over the first two.
fn seed(env: &Env) -> (i64, i64) {
    let intake = aman_service::Intake::new(env.store.clone(), Arc::new(Geocoder::builtin()));
    let source = env
        .store
        .create_source(
            &Who::system(),
            serde_json::from_value(serde_json::json!({
                "name": "Demo monitors", "organisation": "Demo", "kind": "ngo",
                "reliability": "B", "synthetic": true
            }))
            .unwrap(),
        )
        .unwrap();
    let mut ids = Vec::new();
    for (day, place, lat, lon) in [
        (11, "Osh", 40.53, 72.80),
        (12, "Ош", 40.531, 72.801),
        (13, "Jalal-Abad", 40.93, 73.0),
    ] {
        let input = serde_json::from_value(serde_json::json!({
            "source_id": source.id,
            "event_time": {"start": format!("2010-06-{day}T12:00:00Z"), "end": format!("2010-06-{day}T13:00:00Z"), "precision": "hour"},
            "place_text": place,
            "latitude": lat,
            "longitude": lon,
            "event_types": ["arson", "looting"],
            "counts": {"killed": {"min": 1, "max": 3}},
            "narrative": {"text": "Houses burned on the main street", "language": "en"},
            "credibility": 2,
            "synthetic": true,
        }))
        .unwrap();
        ids.push(intake.submit(&Who::system(), input).unwrap().id);
    }
    let incident = env
        .store
        .create_incident(
            &Who::system(),
            "Arson in Osh",
            &ids[..2],
            "same street, same night",
        )
        .unwrap();
    (source.id, incident)
}

const PAGES: &[&str] = &[
    "/dashboard",
    "/overview",
    "/map",
    "/incidents",
    "/reports",
    "/reports/new",
    "/audit",
];

#[tokio::test]
async fn every_page_renders_for_the_roles_allowed_and_no_other() {
    let env = env();
    let (_, incident) = seed(&env);
    let incident_page = format!("/incidents/{incident}");
    let mut pages: Vec<&str> = PAGES.to_vec();
    pages.push(&incident_page);
    pages.push("/reports/1");
    for path in &pages {
        let anon = env.get(path, "").await;
        assert_eq!(anon.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(anon.headers[header::LOCATION], "/login");
    }
    for role in Role::ALL {
        let (session, _) = if role == Role::Partner {
            // Partners cannot open /reports, which sign_in uses to read the token.
            let form = env.get("/login", "").await;
            let (c, _) = set_cookie(&form.headers, "aman_login_csrf").unwrap();
            let t = hidden(&form.text, "csrf");
            let a = env
                .post(
                    "/login",
                    &c,
                    &[
                        ("csrf", &t),
                        ("username", "partner"),
                        ("password", PASSWORD),
                    ],
                )
                .await;
            (
                set_cookie(&a.headers, "aman_session").unwrap().0,
                String::new(),
            )
        } else {
            env.sign_in(role.code()).await
        };
        let home = env.get("/", &session).await;
        let expected_home = if role == Role::Partner {
            "/overview"
        } else {
            "/dashboard"
        };
        assert_eq!(home.headers[header::LOCATION], expected_home, "{role:?}");
        for path in &pages {
            let template = if path.starts_with("/incidents/") {
                "/incidents/{id}"
            } else if *path == "/reports/1" {
                "/reports/{id}"
            } else {
                path
            };
            let allowed = aman_server::permissions::rule_for("GET", template)
                .unwrap()
                .access
                .allows(role);
            let a = env.get(path, &session).await;
            if allowed {
                assert_eq!(a.status, StatusCode::OK, "{path} as {role:?}: {}", a.text);
                assert!(
                    a.text.contains(SYNTHETIC_LABEL),
                    "{path} lacks the synthetic label"
                );
                assert!(a.text.contains("<main id=\"main\">"), "{path}");
                assert!(!a.text.contains("https://"), "{path} links outside");
            } else {
                assert_eq!(a.status, StatusCode::FORBIDDEN, "{path} as {role:?}");
                assert!(a.text.contains("<!DOCTYPE html>"));
            }
            let csp = a.headers["content-security-policy"].to_str().unwrap();
            assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"));
        }
    }
}

#[tokio::test]
async fn partners_see_counts_only_and_no_internal_navigation() {
    let env = env();
    seed(&env);
    let form = env.get("/login", "").await;
    let (c, _) = set_cookie(&form.headers, "aman_login_csrf").unwrap();
    let t = hidden(&form.text, "csrf");
    let a = env
        .post(
            "/login",
            &c,
            &[
                ("csrf", &t),
                ("username", "partner"),
                ("password", PASSWORD),
            ],
        )
        .await;
    let (session, _) = set_cookie(&a.headers, "aman_session").unwrap();
    let overview = env.get("/overview", &session).await;
    assert_eq!(overview.status, StatusCode::OK);
    for internal in [
        "href=\"/map\"",
        "href=\"/reports\"",
        "Osh",
        "Demo monitors",
        "/incidents/",
    ] {
        assert!(
            !overview.text.contains(internal),
            "partner overview shows {internal}"
        );
    }
    assert!(
        overview.text.contains("<td class=\"num\">1</td>"),
        "the one incident is counted"
    );
    for path in ["/dashboard", "/map", "/reports", "/incidents/1", "/audit"] {
        assert_eq!(
            env.get(path, &session).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
}

#[tokio::test]
async fn forms_without_the_session_csrf_token_are_refused() {
    let env = env();
    let (_, incident) = seed(&env);
    let (session, csrf) = env.sign_in("investigator").await;
    let status_url = format!("/incidents/{incident}/status");
    for bad in ["", "0123456789abcdef0123456789abcdef"] {
        let a = env
            .post(
                &status_url,
                &session,
                &[
                    ("csrf", bad),
                    ("status", "corroborated"),
                    ("reason", "two sources"),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
    }
    // Another user's token does not work either.
    let (_, admin_csrf) = env.sign_in("admin").await;
    assert_ne!(admin_csrf, csrf);
    let a = env
        .post(
            &status_url,
            &session,
            &[
                ("csrf", &admin_csrf),
                ("status", "corroborated"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let before = env.store.get_incident(incident).unwrap().unwrap();
    assert_eq!(before.summary.status.code(), "reported");

    let a = env
        .post(
            &status_url,
            &session,
            &[
                ("csrf", &csrf),
                ("status", "corroborated"),
                ("reason", "two sources agree"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    let after = env.store.get_incident(incident).unwrap().unwrap();
    assert_eq!(after.summary.status.code(), "corroborated");
    assert_eq!(after.history.last().unwrap().reason, "two sources agree");
    let page = env.get(&format!("/incidents/{incident}"), &session).await;
    assert!(page.text.contains("two sources agree"));
    // Persons and evidence are listed by pseudonymous id and hash only.
    assert!(page.text.contains("Persons and evidence"));
    assert!(page
        .text
        .contains("No evidence items are filed under this incident."));

    // The login form is paired with its cookie: a token without the cookie is refused.
    let form = env.get("/login", "").await;
    let t = hidden(&form.text, "csrf");
    let a = env
        .post(
            "/login",
            "",
            &[("csrf", &t), ("username", "admin"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(set_cookie(&a.headers, "aman_session").is_none());

    // Logout needs the token too, then ends the session.
    let a = env.post("/logout", &session, &[("csrf", "nope")]).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = env.post("/logout", &session, &[("csrf", &csrf)]).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(
        env.get("/reports", &session).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn failed_pages_answer_in_the_readers_language() {
    let env = env();
    let (_, incident) = seed(&env);
    let (session, _) = env.sign_in("investigator").await;
    let ru = format!("{session}; aman_lang=ru");
    let stale = env
        .send(
            Method::POST,
            &format!("/incidents/{incident}/status"),
            &ru,
            Some(form_body(&[
                ("csrf", "stale"),
                ("status", "corroborated"),
                ("reason", "r"),
            ])),
        )
        .await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN);
    assert!(stale.text.contains("<html lang=\"ru\""), "{}", stale.text);
    assert!(stale.text.contains("Эта форма устарела"), "{}", stale.text);
    assert!(!stale.text.contains("out of date"), "{}", stale.text);

    let missing = env.send(Method::GET, "/incidents/999999", &ru, None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text.contains("Запрошенной страницы или записи нет"));
    assert!(!missing.text.contains("not found"), "{}", missing.text);

    // In English the API's own message stays.
    let missing = env.get("/incidents/999999", &session).await;
    assert!(missing.text.contains("not found"), "{}", missing.text);
}

#[tokio::test]
async fn wrong_password_shows_the_form_again() {
    let env = env();
    let form = env.get("/login", "").await;
    let (c, _) = set_cookie(&form.headers, "aman_login_csrf").unwrap();
    let t = hidden(&form.text, "csrf");
    let a = env
        .post(
            "/login",
            &c,
            &[
                ("csrf", &t),
                ("username", "admin"),
                ("password", "wrong password!"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(a.text.contains("role=\"alert\""));
    assert!(a.text.contains("value=\"admin\""));
    assert!(set_cookie(&a.headers, "aman_session").is_none());
}

#[tokio::test]
async fn a_monitor_files_a_cyrillic_place_and_bad_fields_are_named_beside_them() {
    let env = env();
    let (source, _) = seed(&env);
    let (session, csrf) = env.sign_in("field_monitor").await;
    let source = source.to_string();
    let bad = env
        .post(
            "/reports",
            &session,
            &[
                ("csrf", &csrf),
                ("source_id", &source),
                ("credibility", "2"),
                ("start", "2010-06-12T10:00"),
                ("end", "2010-06-11T10:00"),
                ("place_text", ""),
                ("killed", "5-3"),
                ("narrative", "Стреляли"),
                ("language", "ru"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    assert!(
        bad.text.contains("id=\"killed-error\""),
        "the count error sits beside its field"
    );
    assert!(bad.text.contains("with the minimum first"));
    assert!(bad.text.contains("aria-invalid=\"true\""));
    assert!(
        bad.text.contains("Стреляли"),
        "the form comes back filled in"
    );
    let fixed = env
        .post(
            "/reports",
            &session,
            &[
                ("csrf", &csrf),
                ("source_id", &source),
                ("credibility", "2"),
                ("start", "2010-06-12T10:00"),
                ("end", "2010-06-11T10:00"),
                ("place_text", "мкр. Черемушки, г. Ош"),
                ("narrative", "Стреляли"),
                ("language", "ru"),
            ],
        )
        .await;
    assert_eq!(fixed.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The core's rule, beside the end time, in the page's language.
    assert!(fixed.text.contains("id=\"end-error\""), "{}", fixed.text);
    assert!(fixed.text.contains("must not be before the start"));
    assert!(fixed.text.contains("id=\"types-error\""));
    let in_russian = env
        .send(
            Method::POST,
            "/reports",
            &format!("{session}; aman_lang=ru"),
            Some(form_body(&[
                ("csrf", &csrf),
                ("source_id", &source),
                ("credibility", "9"),
                ("start", "2010-06-12T10:00"),
                ("end", "2010-06-11T10:00"),
                ("place_text", "Ош"),
                ("killed", "5-3"),
                ("language", "ru"),
            ])),
        )
        .await;
    assert_eq!(in_russian.status, StatusCode::UNPROCESSABLE_ENTITY);
    for text in ["должно быть от 1 до 6", "начиная с меньшего", "Убито"]
    {
        assert!(
            in_russian.text.contains(text),
            "{text}: {}",
            in_russian.text
        );
    }
    assert!(!in_russian.text.contains("must be 1–6"));

    let ok = env
        .post(
            "/reports",
            &session,
            &[
                ("csrf", &csrf),
                ("source_id", &source),
                ("credibility", "2"),
                ("start", "2010-06-12T10:00"),
                ("precision", "hour"),
                ("place_text", "мкр. Черемушки, г. Ош"),
                ("type", "arson"),
                ("type", "threat"),
                ("killed", "2-4"),
                ("narrative", "Стреляли"),
                ("language", "ru"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    let location = ok.headers[header::LOCATION].to_str().unwrap().to_string();
    let report = env.get(&location, &session).await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(report.text.contains("Ош"));
    assert!(report.text.contains("place-resolved"), "{}", report.text);
    assert!(report.text.contains("2–4"));
    let list = env
        .get(
            "/reports?q=%D0%A1%D1%82%D1%80%D0%B5%D0%BB%D1%8F%D0%BB%D0%B8",
            &session,
        )
        .await;
    assert!(
        list.text.contains(&format!("href=\"{location}\"")),
        "full-text search finds it"
    );
    // A monitor may not start an incident: no form, and the route refuses.
    assert!(!report.text.contains("/incident\""));
    let id = location.trim_start_matches("/reports/");
    let a = env
        .post(
            &format!("/reports/{id}/incident"),
            &session,
            &[("csrf", &csrf), ("title", "t"), ("reason", "r")],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_investigator_links_unlinks_and_starts_incidents_with_reasons() {
    let env = env();
    let (_, incident) = seed(&env);
    let (session, csrf) = env.sign_in("investigator").await;
    let a = env
        .post(
            &format!("/incidents/{incident}/link"),
            &session,
            &[("csrf", &csrf), ("report_id", "3"), ("reason", "")],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let a = env
        .post(
            &format!("/incidents/{incident}/link"),
            &session,
            &[
                ("csrf", &csrf),
                ("report_id", "3"),
                ("reason", "same attackers"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    assert_eq!(
        env.store
            .get_incident(incident)
            .unwrap()
            .unwrap()
            .reports
            .len(),
        3
    );
    let a = env
        .post(
            &format!("/incidents/{incident}/unlink"),
            &session,
            &[
                ("csrf", &csrf),
                ("report_id", "3"),
                ("reason", "other town"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let a = env
        .post(
            "/reports/3/incident",
            &session,
            &[
                ("csrf", &csrf),
                ("title", "Fire in Jalal-Abad"),
                ("reason", "separate event"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let to = a.headers[header::LOCATION].to_str().unwrap().to_string();
    let page = env.get(&to, &session).await;
    assert!(page.text.contains("Fire in Jalal-Abad"));
    assert!(page.text.contains("separate event"));
    let audit = env.store.audit_page(0, 1000).unwrap();
    assert!(audit
        .iter()
        .any(|e| e.record.reason.as_deref() == Some("other town")));
}

#[tokio::test]
async fn map_dashboard_and_lists_share_filters_and_numbers() {
    let env = env();
    let (_, incident) = seed(&env);
    let (session, _) = env.sign_in("analyst").await;
    let map = env
        .get("/map?type=arson&from=2010-06-01&to=2010-06-30", &session)
        .await;
    assert_eq!(map.status, StatusCode::OK, "{}", map.text);
    assert!(map.text.contains("<svg class=\"map\""));
    assert!(
        map.text
            .contains(&format!("href=\"/incidents/{incident}\"")),
        "the one incident is a point linking to it"
    );
    assert!(map.text.contains("<path d=\"M"), "boundaries are drawn");
    // The table beside the map holds the same number as the shading.
    assert!(map.text.contains("<td class=\"num\">1</td>"));
    let none = env.get("/map?type=protest", &session).await;
    assert!(!none
        .text
        .contains(&format!("href=\"/incidents/{incident}\"")));
    let bad = env.get("/map?from=June", &session).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text.contains("from"));
    let list = env
        .get("/incidents?type=arson&status=reported", &session)
        .await;
    assert!(list.text.contains("Arson in Osh"));
    let dash = env.get("/dashboard", &session).await;
    assert!(dash.text.contains("<svg class=\"chart\""));
    assert!(
        dash.text.contains("2010-06-11"),
        "the over-time table lists the day"
    );
}

#[tokio::test]
async fn the_language_switch_sets_a_cookie_and_pages_follow_it() {
    let env = env();
    seed(&env);
    let (session, _) = env.sign_in("admin").await;
    let a = env.get("/language/ru?back=/map", "").await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(a.headers[header::LOCATION], "/map");
    let (lang, _) = set_cookie(&a.headers, "aman_lang").unwrap();
    let page = env.get("/map", &format!("{session}; {lang}")).await;
    assert!(page.text.contains("<html lang=\"ru\">"));
    assert!(page.text.contains("Карта"));
    assert!(page.text.contains("СИНТЕТИЧЕСКИЕ ДАННЫЕ"));
    assert!(!page.text.contains("SYNTHETIC"));
    let away = env.get("/language/ru?back=//evil.example", "").await;
    assert_eq!(away.headers[header::LOCATION], "/", "no open redirect");
    assert_eq!(
        env.get("/language/xx", "").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn assets_are_served_from_the_binary() {
    let env = env();
    let css = env.get("/assets/ui.css", "").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    assert!(css.text.contains("@media print"));
    let js = env.get("/assets/ui.js", "").await;
    assert!(js.text.contains("viewBox"));
    assert!(
        !js.text.contains("http"),
        "the script talks to this server only"
    );
    assert_eq!(
        env.get("/assets/other.js", "").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_review_queue_shows_the_evidence_and_records_a_decision() {
    let env = env();
    let (_, incident) = seed(&env);
    // Report 3 is unlinked: the linker was unsure whether it belongs to the incident.
    env.store
        .queue_for_review(
            &Who::system(),
            &[aman_store::NewReviewCandidate {
                kind: aman_store::ReviewKind::ReportIncident,
                left_ref: "3".into(),
                right_ref: incident.to_string(),
                probability: 0.55,
                explanation: serde_json::json!({"fields": [
                    {"field": "time", "label": "within a day", "weight": 2.5, "similarity": 0.9},
                    {"field": "place", "label": "other district", "weight": -3.1, "similarity": 0.2},
                    {"field": "mahalla_column", "label": "equal", "weight": 1.0}
                ], "match_weight": -0.6}),
            }],
        )
        .unwrap();
    let (session, csrf) = env.sign_in("analyst").await;
    let queue = env.get("/review", &session).await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.text);
    assert!(queue.text.contains("href=\"/reports/3\""));
    assert!(queue
        .text
        .contains(&format!("href=\"/incidents/{incident}\"")));
    assert!(queue.text.contains("other district") && queue.text.contains("-3.1"));
    // The linker's own fields by their names for people; any other (a CSV column) as given.
    assert!(queue.text.contains("Place as written") && !queue.text.contains(">place<"));
    assert!(queue.text.contains(">mahalla_column<"));
    assert!(queue.text.contains("55%"));
    let id = env
        .store
        .list_review_candidates(Default::default(), aman_store::PageRequest::first(10))
        .unwrap()
        .items[0]
        .id;
    let url = format!("/review/{id}/decision");
    let a = env
        .post(
            &url,
            &session,
            &[("csrf", &csrf), ("decision", "match"), ("reason", "")],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let a = env
        .post(
            &url,
            &session,
            &[("decision", "match"), ("reason", "same street")],
        )
        .await;
    assert_eq!(
        a.status,
        StatusCode::FORBIDDEN,
        "no CSRF token, no decision"
    );
    let a = env
        .post(
            &url,
            &session,
            &[
                ("csrf", &csrf),
                ("decision", "match"),
                ("reason", "same street"),
                ("back", "/review?state=all"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    assert_eq!(a.headers[header::LOCATION], "/review?state=all");
    let decided = env.store.get_review_candidate(id).unwrap().unwrap();
    assert_eq!(decided.history.last().unwrap().reason, "same street");
    assert_eq!(
        env.store.get_report(3).unwrap().unwrap().incident_id,
        Some(incident),
        "a match links the report"
    );
    let all = env.get("/review?state=all", &session).await;
    assert!(all.text.contains("same street"));
    // A field monitor sees the queue but has no form to decide.
    let (monitor, monitor_csrf) = env.sign_in("field_monitor").await;
    let seen = env.get("/review?state=all", &monitor).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(!seen.text.contains("/decision\""));
    let a = env
        .post(
            &url,
            &monitor,
            &[
                ("csrf", &monitor_csrf),
                ("decision", "unsure"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn estimates_show_documented_and_estimated_with_the_method_beside_each() {
    let env = env();
    seed(&env);
    let (session, _) = env.sign_in("analyst").await;
    let empty = env.get("/estimates", &session).await;
    assert_eq!(empty.status, StatusCode::OK);
    env.store
        .save_estimate_run(
            &Who::system(),
            &aman_store::NewEstimateRun {
                stratum: "sex=f".into(),
                input_kind: "linked_persons".into(),
                capture_table: serde_json::json!({}),
                options: serde_json::json!({}),
                seed: 11,
                software_version: "aman-estimate test".into(),
                result: serde_json::json!({
                    "input": {"observed": 120},
                    "dga": {"averaged": {"median": 180.0, "lower": 150.0, "upper": 240.0, "level": 0.95}},
                }),
            },
        )
        .unwrap();
    let page = env.get("/estimates", &session).await;
    assert!(page.text.contains("<svg class=\"chart\""));
    assert!(page.text.contains("sex=f"));
    assert!(
        page.text.contains("<td class=\"num\">120</td>"),
        "documented count"
    );
    assert!(page.text.contains("<td class=\"num\">180</td>"), "estimate");
    assert!(page.text.contains("150–240"), "interval");
    assert!(
        page.text.contains("dga — Bayesian model averaging"),
        "the method beside the figure"
    );
}
