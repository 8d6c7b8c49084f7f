//! The web UI: server-rendered HTML (maud templates in Rust), a little embedded CSS
//! and JavaScript under `/assets/`, and nothing fetched from anywhere else.
//!
//! Pages share the API's permission table and middleware: every page route has a rule
//! in [`crate::permissions::RULES`]. Without a session a page redirects to `/login`;
//! a role without the right gets an HTML 403. Sessions are the API's (the HttpOnly,
//! SameSite=Strict `aman_session` cookie); every POST form also carries a per-session
//! CSRF token ([`csrf_token`]). Text comes from the English and Russian catalogs in
//! [`i18n`]; a Content-Security-Policy forbids any script, style, image or connection
//! that is not from this server.

pub mod assets;
pub mod filters;
pub mod i18n;
pub mod pages;
pub mod svg;

use aman_core::{Role, User};
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup, DOCTYPE};

use crate::error::{blocking, AppError, PublicError};
use crate::permissions::{self, Caller};
use crate::AppState;
pub use i18n::Lang;

/// Name of the hidden form field carrying the CSRF token.
pub const CSRF_FIELD: &str = "csrf";

/// The Content-Security-Policy of every answer: only this server, no inline script or
/// style, no frames, forms posting back here only.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// The CSRF token of a session: derived from the session token (which only the HttpOnly
/// cookie carries), so a page from another site can neither read nor guess it.
pub fn csrf_token(session_token: &str) -> String {
    aman_service::auth::token_hash(&format!("aman-csrf\0{session_token}"))[..32].to_string()
}

/// Compares in time independent of where the strings first differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Refuses a form whose CSRF field does not match the caller's session.
pub fn check_csrf(caller: &Caller, form: &[(String, String)]) -> Result<(), PageError> {
    let sent = form
        .iter()
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    if same(sent, &csrf_token(&caller.token)) {
        Ok(())
    } else {
        tracing::warn!(user = %caller.user.username, "form refused: CSRF token missing or wrong");
        Err(PageError(
            AppError::forbidden(
                "this form is out of date or did not come from Aman; reload the page and try again",
            )
            .with_code("stale_form"),
        ))
    }
}

/// Adds the security headers to every answer (pages and API alike).
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    for (name, value) in [
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
    ] {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    }
    res
}

/// Is this routed path a page of the UI (answered in HTML) rather than the JSON API?
pub fn is_page(path: &str) -> bool {
    !path.starts_with("/api/") && path != "/healthz"
}

/// What every page needs to know about the request.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    pub user: Option<User>,
    csrf: Option<String>,
    pub synthetic: bool,
}

impl Ctx {
    /// Reads the language and signed-in user, and whether the store holds synthetic data.
    pub async fn new(
        state: &AppState,
        headers: &HeaderMap,
        caller: Option<&Caller>,
    ) -> Result<Ctx, PageError> {
        let store = state.store().clone();
        let synthetic = blocking(move || super::handlers::holds_synthetic(store.as_ref())).await?;
        Ok(Ctx {
            lang: Lang::from_headers(headers),
            user: caller.map(|c| c.user.clone()),
            csrf: caller.map(|c| csrf_token(&c.token)),
            synthetic,
        })
    }

    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    pub fn lookup(&self, key: &str) -> Option<&'static str> {
        self.lang.lookup(key)
    }

    pub fn role(&self) -> Option<Role> {
        self.user.as_ref().map(|u| u.role)
    }

    /// May the signed-in user call this route (by the permission table)?
    pub fn can(&self, method: &str, path: &str) -> bool {
        match (self.role(), permissions::rule_for(method, path)) {
            (Some(role), Some(rule)) => rule.access.allows(role),
            _ => false,
        }
    }

    /// The hidden CSRF field for a POST form.
    pub fn csrf_field(&self) -> Markup {
        html! { input type="hidden" name=(CSRF_FIELD) value=(self.csrf.as_deref().unwrap_or("")); }
    }
}

/// Navigation entries: (route, catalog key). Shown only to roles the table allows.
const NAV: &[(&str, &str)] = &[
    ("/dashboard", "nav.dashboard"),
    ("/overview", "nav.overview"),
    ("/map", "nav.map"),
    ("/incidents", "nav.incidents"),
    ("/reports", "nav.reports"),
    ("/reports/new", "nav.new_report"),
    ("/review", "nav.review"),
    ("/estimates", "nav.estimates"),
    ("/audit", "nav.audit"),
];

/// The page shell: skip link, header with role-aware navigation, the synthetic-data
/// label, the main landmark, and the footer.
pub fn layout(ctx: &Ctx, title: &str, current: &str, body: Markup) -> Markup {
    let nav: Vec<_> = NAV
        .iter()
        .filter(|(path, _)| ctx.can("GET", path))
        // Casework roles get the dashboard; the overview is the partners' view of it.
        .filter(|(path, _)| *path != "/overview" || !ctx.can("GET", "/dashboard"))
        .collect();
    html! {
        (DOCTYPE)
        html lang=(ctx.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Aman" }
                link rel="stylesheet" href="/assets/ui.css";
                script src="/assets/ui.js" defer {}
            }
            body {
                a.skip href="#main" { (ctx.t("layout.skip")) }
                header.top {
                    a.brand href="/" { "Aman" }
                    @if !nav.is_empty() {
                        nav aria-label=(ctx.t("layout.nav")) {
                            ul {
                                @for (path, key) in &nav {
                                    li {
                                        a href=(path) aria-current=[(*path == current).then_some("page")] { (ctx.t(key)) }
                                    }
                                }
                            }
                        }
                    }
                    div.account {
                        ul.langs aria-label=(ctx.t("layout.language")) {
                            @for lang in Lang::ALL {
                                li {
                                    @if lang == ctx.lang {
                                        span lang=(lang.code()) aria-current="true" { (lang.name()) }
                                    } @else {
                                        a lang=(lang.code()) href={ "/language/" (lang.code()) "?back=" (filters::encode(current)) } { (lang.name()) }
                                    }
                                }
                            }
                        }
                        @if let Some(user) = &ctx.user {
                            span.who { (user.username) " · " (ctx.t(&format!("role.{}", user.role.code()))) }
                            form.inline method="post" action="/logout" {
                                (ctx.csrf_field())
                                button type="submit" { (ctx.t("layout.logout")) }
                            }
                        }
                    }
                }
                @if ctx.synthetic {
                    p.synthetic role="note" {
                        strong { (ctx.t("layout.synthetic_label")) } " " (ctx.t("layout.synthetic"))
                    }
                }
                main id="main" {
                    h1 { (title) }
                    (body)
                }
                footer {
                    p { (ctx.t("layout.footer")) " " a href="/api/v1/openapi.json" { (ctx.t("layout.api")) } }
                }
            }
        }
    }
}

/// An HTML page as a response.
pub fn page(markup: Markup) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response()
}

/// After a successful POST: go to `to` with 303 See Other.
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// A failed page request, answered as an HTML page with the API's status and message
/// (a 5xx says only "internal error; reference …", as in the API).
#[derive(Debug)]
pub struct PageError(pub AppError);

impl From<AppError> for PageError {
    fn from(e: AppError) -> PageError {
        PageError(e)
    }
}

impl From<aman_store::StoreError> for PageError {
    fn from(e: aman_store::StoreError) -> PageError {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        // Rendered in English here; `localise_page_errors`, which sees the request,
        // renders it again in the reader's language.
        let public = self.0.into_public();
        let mut res = error_page(Lang::En, public.status, &public.message);
        res.extensions_mut().insert(public);
        res
    }
}

/// Middleware: a page that failed is shown in the language of the request.
pub async fn localise_page_errors(req: Request, next: Next) -> Response {
    let lang = Lang::from_headers(req.headers());
    let mut res = next.run(req).await;
    match res.extensions_mut().remove::<PublicError>() {
        Some(e) if lang != Lang::En => error_page(lang, e.status, &localised_message(lang, &e)),
        _ => res,
    }
}

/// The error's message in `lang`: each refused field by its rule's catalog text, else
/// the catalog's sentence for the error code; the English message only where the
/// catalog has neither.
fn localised_message(lang: Lang, e: &PublicError) -> String {
    let fields: Vec<String> = e
        .fields
        .iter()
        .filter_map(|f| {
            lang.lookup(&format!("field_error.{}", f.code))
                .map(|text| format!("{}: {text}", f.field))
        })
        .collect();
    if !fields.is_empty() && fields.len() == e.fields.len() {
        return fields.join("; ");
    }
    match lang.lookup(&format!("error.detail.{}", e.code)) {
        Some(text) if e.code == "internal" => {
            let reference = e.message.rsplit(' ').next().unwrap_or_default();
            format!("{text} {reference}")
        }
        // The catalog's sentence says all there is to say.
        Some(text) if matches!(e.code, "not_found" | "forbidden" | "stale_form") => text.into(),
        // Which value or which status change was refused is in the English message only.
        Some(text) => format!("{text} ({})", e.message),
        None => e.message.clone(),
    }
}

/// A plain error page (no store access: it must render even when the store fails).
pub fn error_page(lang: Lang, status: StatusCode, message: &str) -> Response {
    let title = match status {
        StatusCode::FORBIDDEN => lang.t("error.forbidden"),
        StatusCode::NOT_FOUND => lang.t("error.not_found"),
        s if s.is_server_error() => lang.t("error.internal"),
        _ => lang.t("error.bad_request"),
    };
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Aman" }
                link rel="stylesheet" href="/assets/ui.css";
            }
            body {
                header.top { a.brand href="/" { "Aman" } }
                main id="main" {
                    h1 { (title) }
                    p.error-message { (message) }
                    p { a href="/" { (lang.t("error.home")) } }
                }
            }
        }
    };
    (status, page(markup)).into_response()
}

/// The middleware's answer on a page route when there is no valid session: sign in.
pub fn sign_in_first() -> Response {
    see_other("/login")
}

/// The middleware's answer on a page route the caller's role may not open.
pub fn forbidden_page(headers: &HeaderMap, role: Role) -> Response {
    let lang = Lang::from_headers(headers);
    let message = format!(
        "{} ({})",
        lang.t("error.forbidden_detail"),
        lang.t(&format!("role.{}", role.code()))
    );
    error_page(lang, StatusCode::FORBIDDEN, &message)
}

/// Formats a UTC time the way every page shows it.
pub fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Formats a 0–1 share as a percentage.
pub fn percent(x: f64) -> String {
    format!("{:.0}%", (x * 100.0).clamp(0.0, 100.0))
}
