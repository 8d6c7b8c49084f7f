//! Signing in and out of the UI, the home redirect and the language switch.

use aman_service::auth;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use maud::html;

use super::field;
use crate::error::{blocking, AppError, QueryPairs};
use crate::handlers::session::cookie;
use crate::permissions::{presented_token, Caller};
use crate::ui::i18n::LANG_COOKIE;
use crate::ui::{layout, page, see_other, Ctx, Lang, PageError, CSRF_FIELD};
use crate::AppState;

/// Cookie pairing the login form with the browser that loaded it (double submit: a
/// page on another site can neither read this cookie nor send it).
const LOGIN_CSRF_COOKIE: &str = "aman_login_csrf";

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(n, v)| *n == name && !v.is_empty())
        .map(|(_, v)| v.to_string())
}

/// The start page: the dashboard for casework roles, the overview for partners, the
/// login form for everyone else.
#[utoipa::path(
    get,
    path = "/",
    tag = "ui",
    responses((status = 303, description = "To /login, /dashboard or /overview"))
)]
pub async fn home(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let Some(token) = presented_token(&headers) else {
        return Ok(see_other("/login"));
    };
    let store = state.store().clone();
    let user = blocking(move || auth::authenticate(store.as_ref(), &token).map_err(AppError::from))
        .await?;
    let to = match user {
        None => "/login",
        Some(u) if u.role == aman_core::Role::Partner => "/overview",
        Some(_) => "/dashboard",
    };
    Ok(see_other(to))
}

fn login_page(ctx: &Ctx, token: &str, username: &str, failed: bool) -> maud::Markup {
    let body = html! {
        p { (ctx.t("login.intro")) }
        @if failed {
            p.error-summary role="alert" id="login-error" { (ctx.t("login.failed")) }
        }
        form.login method="post" action="/login" {
            input type="hidden" name=(CSRF_FIELD) value=(token);
            div.field {
                label for="username" { (ctx.t("login.username")) }
                input id="username" name="username" autocomplete="username" required value=(username)
                    aria-describedby=[failed.then_some("login-error")];
            }
            div.field {
                label for="password" { (ctx.t("login.password")) }
                input id="password" name="password" type="password" autocomplete="current-password" required;
            }
            button type="submit" { (ctx.t("login.submit")) }
        }
    };
    layout(ctx, ctx.t("login.title"), "/login", body)
}

/// The login form.
#[utoipa::path(
    get,
    path = "/login",
    tag = "ui",
    responses((status = 200, description = "HTML page", content_type = "text/html", body = String))
)]
pub async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let ctx = Ctx::new(&state, &headers, None).await?;
    let token = uuid::Uuid::new_v4().simple().to_string();
    let set = login_cookie(&state, &token, 3600)?;
    Ok((
        [(header::SET_COOKIE, set)],
        page(login_page(&ctx, &token, "", false)),
    )
        .into_response())
}

fn login_cookie(state: &AppState, value: &str, max_age: i64) -> Result<HeaderValue, AppError> {
    let secure = if state.secure_cookie { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{LOGIN_CSRF_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/login; Max-Age={max_age}{secure}"
    ))
    .map_err(|e| AppError::internal(format!("login cookie: {e}")))
}

/// Sign in from the form: sets the session cookie and goes to the start page.
#[utoipa::path(
    post,
    path = "/login",
    tag = "ui",
    responses(
        (status = 303, description = "Signed in; to /"),
        (status = 401, description = "Wrong username or password: the form again", content_type = "text/html", body = String),
        (status = 403, description = "The form's CSRF token did not match", content_type = "text/html", body = String),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let expected = cookie_value(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    let sent = field(&form, CSRF_FIELD);
    if expected.is_empty() || expected != sent {
        return Err(PageError(AppError::forbidden(
            "the sign-in form is out of date; open /login again",
        )));
    }
    let username = field(&form, "username").trim().to_string();
    let password = field(&form, "password").to_string();
    let store = state.store().clone();
    let name = username.clone();
    let result = blocking(move || Ok(auth::login(store.as_ref(), &name, &password))).await?;
    match result {
        Ok(session) => {
            let max_age = (session.expires_at - state.store().clock().now())
                .num_seconds()
                .max(0);
            tracing::info!(user = %session.user.username, "signed in to the web UI");
            let mut res = see_other("/");
            let h = res.headers_mut();
            h.append(header::SET_COOKIE, cookie(&state, &session.token, max_age)?);
            h.append(header::SET_COOKIE, login_cookie(&state, "", 0)?);
            Ok(res)
        }
        Err(auth::AuthError::BadCredentials) => {
            let ctx = Ctx::new(&state, &headers, None).await?;
            Ok((
                StatusCode::UNAUTHORIZED,
                page(login_page(&ctx, &expected, &username, true)),
            )
                .into_response())
        }
        Err(e) => Err(PageError(e.into())),
    }
}

/// Sign out: ends this session and clears the cookie.
#[utoipa::path(
    post,
    path = "/logout",
    tag = "ui",
    responses((status = 303, description = "Signed out; to /login"))
)]
pub async fn logout(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    crate::ui::check_csrf(&caller, &form)?;
    let store = state.store().clone();
    let hash = auth::token_hash(&caller.token);
    blocking(move || store.delete_session(&hash).map_err(AppError::from)).await?;
    let mut res = see_other("/login");
    res.headers_mut()
        .append(header::SET_COOKIE, cookie(&state, "", 0)?);
    Ok(res)
}

/// Switch the UI language (kept in a cookie) and go back to the page it was chosen on.
#[utoipa::path(
    get,
    path = "/language/{lang}",
    tag = "ui",
    params(
        ("lang" = String, Path, description = "en or ru"),
        ("back" = Option<String>, Query, description = "A path on this server to return to"),
    ),
    responses((status = 303, description = "To the page it was chosen on"))
)]
pub async fn language(
    Path(code): Path<String>,
    QueryPairs(pairs): QueryPairs,
) -> Result<Response, PageError> {
    let lang = Lang::from_code(&code).ok_or_else(|| {
        PageError(AppError::not_found(format!(
            "no language '{code}'; en or ru"
        )))
    })?;
    // Only a local path: never an open redirect to another site.
    let back = pairs
        .into_iter()
        .find(|(k, _)| k == "back")
        .map(|(_, v)| v)
        .filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains('\\'))
        .unwrap_or_else(|| "/".to_string());
    let set = HeaderValue::from_str(&format!(
        "{LANG_COOKIE}={}; SameSite=Strict; Path=/; Max-Age=31536000",
        lang.code()
    ))
    .map_err(|e| AppError::internal(format!("language cookie: {e}")))?;
    let mut res = see_other(&back);
    res.headers_mut().append(header::SET_COOKIE, set);
    Ok(res)
}
