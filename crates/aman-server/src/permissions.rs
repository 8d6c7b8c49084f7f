//! Who may call what: the one permission matrix of the API and the one middleware
//! that enforces it.
//!
//! Every route is looked up here by method and path template (axum's `MatchedPath`).
//! A route without a rule is refused with 500 `no_permission_rule`, so forgetting to
//! decide who may call a new route fails closed, and the role × route test fails too.
//!
//! Partners see only sanitised aggregates (`/stats`, the UI's `/overview`): never
//! reports, incidents, sources or places, which can identify witnesses and victims.
//!
//! The web UI's pages are in the same table. On a page route the middleware answers in
//! HTML: no session → 303 to `/login`; a role without the right → an HTML 403.

use aman_core::{Role, User};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{blocking, AppError};
use crate::AppState;

/// Name of the session cookie set by `POST /api/v1/login`.
pub const SESSION_COOKIE: &str = "aman_session";

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Signed-in users holding one of these roles.
    Roles(&'static [Role]),
}

impl Access {
    pub fn allows(self, role: Role) -> bool {
        match self {
            Access::Public => true,
            Access::Roles(roles) => roles.contains(&role),
        }
    }
}

/// One row of the matrix.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub method: &'static str,
    /// Path template exactly as routed and as it appears in the OpenAPI document.
    pub path: &'static str,
    pub access: Access,
}

const EVERYONE: &[Role] = &Role::ALL;
/// Roles that work with case records (everyone except partners).
const CASEWORK: &[Role] = &[
    Role::Admin,
    Role::FieldMonitor,
    Role::Investigator,
    Role::Analyst,
];
/// Roles that take in reports.
const INTAKE: &[Role] = &[Role::Admin, Role::FieldMonitor, Role::Investigator];
/// Roles that decide what the record says: sources, incidents, links, verification.
const CURATORS: &[Role] = &[Role::Admin, Role::Investigator];
const ADMIN: &[Role] = &[Role::Admin];
/// Roles that decide linkage pairs and run estimates (the analyst owns victim lists).
const REVIEWERS: &[Role] = &[Role::Admin, Role::Investigator, Role::Analyst];

const fn rule(method: &'static str, path: &'static str, access: Access) -> Rule {
    Rule {
        method,
        path,
        access,
    }
}

/// The permission matrix.
pub const RULES: &[Rule] = &[
    rule("GET", "/", Access::Public),
    rule("GET", "/healthz", Access::Public),
    rule("GET", "/api/v1/openapi.json", Access::Public),
    rule("POST", "/api/v1/login", Access::Public),
    rule("POST", "/api/v1/logout", Access::Roles(EVERYONE)),
    rule("GET", "/api/v1/me", Access::Roles(EVERYONE)),
    rule("GET", "/api/v1/stats", Access::Roles(EVERYONE)),
    rule("GET", "/api/v1/sources", Access::Roles(CASEWORK)),
    rule("POST", "/api/v1/sources", Access::Roles(CURATORS)),
    rule("GET", "/api/v1/reports", Access::Roles(CASEWORK)),
    rule("POST", "/api/v1/reports", Access::Roles(INTAKE)),
    rule("GET", "/api/v1/reports/{id}", Access::Roles(CASEWORK)),
    rule("GET", "/api/v1/incidents", Access::Roles(CASEWORK)),
    rule("POST", "/api/v1/incidents", Access::Roles(CURATORS)),
    rule("GET", "/api/v1/incidents/{id}", Access::Roles(CASEWORK)),
    rule(
        "POST",
        "/api/v1/incidents/{id}/reports",
        Access::Roles(CURATORS),
    ),
    rule(
        "DELETE",
        "/api/v1/incidents/{id}/reports/{report_id}",
        Access::Roles(CURATORS),
    ),
    rule(
        "POST",
        "/api/v1/incidents/{id}/status",
        Access::Roles(CURATORS),
    ),
    rule("GET", "/api/v1/places", Access::Roles(CASEWORK)),
    rule("GET", "/api/v1/review", Access::Roles(CASEWORK)),
    rule("GET", "/api/v1/review/{id}", Access::Roles(CASEWORK)),
    rule(
        "POST",
        "/api/v1/review/{id}/decision",
        Access::Roles(REVIEWERS),
    ),
    rule("GET", "/api/v1/estimates", Access::Roles(CASEWORK)),
    rule("POST", "/api/v1/estimates", Access::Roles(REVIEWERS)),
    rule("GET", "/api/v1/estimates/{id}", Access::Roles(CASEWORK)),
    rule("GET", "/api/v1/audit", Access::Roles(ADMIN)),
    rule("GET", "/api/v1/audit/verify", Access::Roles(ADMIN)),
    rule("GET", "/api/v1/users", Access::Roles(ADMIN)),
    rule("POST", "/api/v1/users", Access::Roles(ADMIN)),
    // Identity vault: reading an identity also needs a live grant, whatever the role.
    rule("POST", "/api/v1/identities", Access::Roles(INTAKE)),
    rule("POST", "/api/v1/identities/search", Access::Roles(CASEWORK)),
    rule(
        "POST",
        "/api/v1/identities/{id}/read",
        Access::Roles(CASEWORK),
    ),
    rule("GET", "/api/v1/grants", Access::Roles(CURATORS)),
    rule("POST", "/api/v1/grants", Access::Roles(CURATORS)),
    rule(
        "POST",
        "/api/v1/grants/{id}/revoke",
        Access::Roles(CURATORS),
    ),
    rule("GET", "/api/v1/evidence/{id}", Access::Roles(CASEWORK)),
    rule("POST", "/api/v1/audit/checkpoint", Access::Roles(ADMIN)),
    rule("GET", "/api/v1/audit/proof/{id}", Access::Roles(ADMIN)),
    // The web UI.
    rule("GET", "/assets/{name}", Access::Public),
    rule("GET", "/login", Access::Public),
    rule("POST", "/login", Access::Public),
    rule("POST", "/logout", Access::Roles(EVERYONE)),
    rule("GET", "/language/{lang}", Access::Public),
    rule("GET", "/dashboard", Access::Roles(CASEWORK)),
    rule("GET", "/overview", Access::Roles(EVERYONE)),
    rule("GET", "/map", Access::Roles(CASEWORK)),
    rule("GET", "/reports", Access::Roles(CASEWORK)),
    rule("POST", "/reports", Access::Roles(INTAKE)),
    rule("GET", "/reports/new", Access::Roles(INTAKE)),
    rule("GET", "/reports/{id}", Access::Roles(CASEWORK)),
    rule("POST", "/reports/{id}/incident", Access::Roles(CURATORS)),
    rule("GET", "/incidents", Access::Roles(CASEWORK)),
    rule("GET", "/incidents/{id}", Access::Roles(CASEWORK)),
    rule("POST", "/incidents/{id}/status", Access::Roles(CURATORS)),
    rule("POST", "/incidents/{id}/link", Access::Roles(CURATORS)),
    rule("POST", "/incidents/{id}/unlink", Access::Roles(CURATORS)),
    rule("GET", "/review", Access::Roles(CASEWORK)),
    rule("POST", "/review/{id}/decision", Access::Roles(REVIEWERS)),
    rule("GET", "/estimates", Access::Roles(CASEWORK)),
    rule("GET", "/audit", Access::Roles(ADMIN)),
];

/// The rule for a method and path template, if there is one.
pub fn rule_for(method: &str, path: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .find(|r| r.method.eq_ignore_ascii_case(method) && r.path == path)
}

/// The matrix as a Markdown table (for docs/API.md; a test keeps the two equal).
pub fn matrix_markdown() -> String {
    let mut out = String::from("| Method | Path |");
    for role in Role::ALL {
        out.push_str(&format!(" {} |", role.code()));
    }
    out.push_str("\n|---|---|");
    out.push_str(&"---|".repeat(Role::ALL.len()));
    out.push('\n');
    for r in RULES {
        out.push_str(&format!("| {} | `{}` |", r.method, r.path));
        for role in Role::ALL {
            let cell = match r.access {
                Access::Public => "public",
                a if a.allows(role) => "yes",
                _ => "—",
            };
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out
}

/// The signed-in caller, put into request extensions by [`authorize`].
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    /// The session token presented, so logout can end exactly this session.
    pub token: String,
}

/// The session token from `Authorization: Bearer …` or, failing that, the cookie.
pub(crate) fn presented_token(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let (scheme, token) = v.trim().split_once(' ')?;
        return (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
            .then(|| token.trim().to_string());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, value)| *name == SESSION_COOKIE && !value.is_empty())
        .map(|(_, value)| value.to_string())
}

/// Enforces [`RULES`] on every routed request.
pub async fn authorize(
    State(state): State<AppState>,
    matched: Option<MatchedPath>,
    method: Method,
    mut req: Request,
    next: Next,
) -> Response {
    let Some(path) = matched.map(|m| m.as_str().to_string()) else {
        return AppError::not_found("no such route").into_response();
    };
    // axum answers HEAD with the GET handler, so HEAD follows GET's rule.
    let checked = if method == Method::HEAD {
        Method::GET
    } else {
        method.clone()
    };
    let Some(rule) = rule_for(checked.as_str(), &path) else {
        if RULES.iter().any(|r| r.path == path) {
            let allowed: Vec<_> = RULES
                .iter()
                .filter(|r| r.path == path)
                .map(|r| r.method)
                .collect();
            return AppError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("{path} accepts {}", allowed.join(", ")),
            )
            .into_response();
        }
        return AppError::internal(format!("no permission rule for {method} {path}"))
            .with_code("no_permission_rule")
            .into_response();
    };
    if rule.access == Access::Public {
        return next.run(req).await;
    }
    let page = crate::ui::is_page(&path);
    let Some(token) = presented_token(req.headers()) else {
        if page {
            return crate::ui::sign_in_first();
        }
        return AppError::unauthorized("sign in first: send Authorization: Bearer <token>")
            .into_response();
    };
    let store = state.store().clone();
    let lookup = token.clone();
    let user = match blocking(move || {
        aman_service::auth::authenticate(store.as_ref(), &lookup).map_err(AppError::from)
    })
    .await
    {
        Ok(Some(user)) => user,
        Ok(None) if page => return crate::ui::sign_in_first(),
        Ok(None) => {
            return AppError::unauthorized("the session is unknown or has expired; sign in again")
                .into_response()
        }
        Err(e) => return e.into_response(),
    };
    if !rule.access.allows(user.role) {
        if page {
            return crate::ui::forbidden_page(req.headers(), user.role);
        }
        return AppError::forbidden(format!(
            "the {} role may not call {method} {path}",
            user.role.code()
        ))
        .into_response();
    }
    let username = user.username.clone();
    req.extensions_mut().insert(Caller { user, token });
    let res = next.run(req).await;
    tracing::info!(%method, %path, user = %username, status = res.status().as_u16(), "request");
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_unique() {
        for (i, a) in RULES.iter().enumerate() {
            for b in &RULES[i + 1..] {
                assert!(
                    !(a.method == b.method && a.path == b.path),
                    "two rules for {} {}",
                    a.method,
                    a.path
                );
            }
        }
    }

    #[test]
    fn partners_see_aggregates_only() {
        let partner: Vec<_> = RULES
            .iter()
            .filter(|r| r.access != Access::Public && r.access.allows(Role::Partner))
            .map(|r| r.path)
            .collect();
        assert_eq!(
            partner,
            [
                "/api/v1/logout",
                "/api/v1/me",
                "/api/v1/stats",
                "/logout",
                "/overview"
            ]
        );
    }

    #[test]
    fn tokens_come_from_bearer_or_cookie() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=b; aman_session=tok1".parse().unwrap());
        assert_eq!(presented_token(&h).as_deref(), Some("tok1"));
        h.insert(header::AUTHORIZATION, "Bearer tok2".parse().unwrap());
        assert_eq!(presented_token(&h).as_deref(), Some("tok2"));
        h.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(presented_token(&h), None);
    }
}
