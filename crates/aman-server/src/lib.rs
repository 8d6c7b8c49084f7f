//! Aman's HTTP server (axum): the JSON API under `/api/v1`, the server-rendered web UI
//! ([`ui`]: login, dashboard, map, reports, incidents, audit) at `/`, and an OpenAPI 3
//! document generated from the handlers at `/api/v1/openapi.json`.
//!
//! The server is a thin interface: it authenticates, checks the permission matrix
//! ([`permissions`]), parses input strictly into the one error envelope ([`error`]),
//! and calls `aman-service` / the [`Store`] trait off the async threads. It holds no
//! business rules and no SQL.

pub mod error;
mod handlers;
pub mod permissions;
pub mod query;
pub mod ui;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use aman_geo::Geocoder;
use aman_service::Intake;
use aman_store::Store;
use axum::extract::DefaultBodyLimit;
use axum::{Extension, Router};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use error::{AppError, ErrorBody};
pub use permissions::{matrix_markdown, Access, Rule, RULES};

/// Largest request body accepted (1 MiB); a report's narrative is capped well below.
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;

/// What every handler shares: the store and the intake pipeline (store + geocoder).
#[derive(Debug, Clone)]
pub struct AppState {
    store: Arc<dyn Store>,
    intake: Intake,
    secure_cookie: bool,
    /// The unlocked identity vault, when the server was given the key.
    vault: Option<Arc<aman_service::vault::Vault>>,
    /// The audit log's Merkle tree, kept between proof requests (the vault's own when
    /// there is one, so checkpoints and proofs share it).
    audit_tree: Arc<aman_service::vault::AuditTree>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, geocoder: Arc<Geocoder>) -> AppState {
        AppState {
            intake: Intake::new(store.clone(), geocoder),
            audit_tree: Arc::new(aman_service::vault::AuditTree::new(store.clone())),
            store,
            secure_cookie: false,
            vault: None,
        }
    }

    /// Gives the handlers the unlocked vault (identity reads, checkpoints).
    pub fn with_vault(mut self, vault: Arc<aman_service::vault::Vault>) -> AppState {
        self.audit_tree = vault.audit_tree().clone();
        self.vault = Some(vault);
        self
    }

    pub fn vault(&self) -> Option<&Arc<aman_service::vault::Vault>> {
        self.vault.as_ref()
    }

    pub fn audit_tree(&self) -> &Arc<aman_service::vault::AuditTree> {
        &self.audit_tree
    }

    /// Marks the session cookie `Secure`; turn on when served over HTTPS (behind a
    /// TLS proxy), or browsers will send the cookie over plain HTTP too.
    pub fn with_secure_cookie(mut self, secure: bool) -> AppState {
        self.secure_cookie = secure;
        self
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn intake(&self) -> &Intake {
        &self.intake
    }

    pub fn geocoder(&self) -> &Arc<Geocoder> {
        self.intake.geocoder()
    }
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Aman API",
        description = "Incident documentation for a protection mission: reports, incidents, \
                       sources, places and the audit log. Every error has the body \
                       {\"error\": {\"code\", \"message\", \"fields\"?}}."
    ),
    components(schemas(ErrorBody))
)]
struct ApiDoc;

fn router() -> (Router<AppState>, OpenApi) {
    use handlers::{admin, estimates, incidents, records, review, session, site, vault};
    use ui::pages as page;
    OpenApiRouter::with_openapi(<ApiDoc as utoipa::OpenApi>::openapi())
        .routes(routes!(page::session::home))
        .routes(routes!(site::healthz))
        .routes(routes!(site::openapi_json))
        .routes(routes!(session::login))
        .routes(routes!(session::logout))
        .routes(routes!(session::me))
        .routes(routes!(admin::stats))
        .routes(routes!(records::list_sources, records::create_source))
        .routes(routes!(records::list_reports, records::create_report))
        .routes(routes!(records::get_report))
        .routes(routes!(records::places))
        .routes(routes!(incidents::list, incidents::create))
        .routes(routes!(incidents::get))
        .routes(routes!(incidents::link))
        .routes(routes!(incidents::unlink))
        .routes(routes!(incidents::change_status))
        .routes(routes!(review::list))
        .routes(routes!(review::get))
        .routes(routes!(review::decide))
        .routes(routes!(estimates::list, estimates::create))
        .routes(routes!(estimates::get))
        .routes(routes!(admin::audit))
        .routes(routes!(admin::verify_audit))
        .routes(routes!(admin::list_users, admin::create_user))
        .routes(routes!(vault::create_identity))
        .routes(routes!(vault::search_identities))
        .routes(routes!(vault::read_identity))
        .routes(routes!(vault::list_grants, vault::create_grant))
        .routes(routes!(vault::revoke_grant))
        .routes(routes!(vault::get_evidence))
        .routes(routes!(vault::checkpoint))
        .routes(routes!(vault::inclusion_proof))
        // The web UI.
        .routes(routes!(ui::assets::asset))
        .routes(routes!(page::session::login_form, page::session::login))
        .routes(routes!(page::session::logout))
        .routes(routes!(page::session::language))
        .routes(routes!(page::dashboard::dashboard))
        .routes(routes!(page::dashboard::overview))
        .routes(routes!(page::map::map))
        .routes(routes!(page::reports::list, page::reports::create))
        .routes(routes!(page::reports::new_form))
        .routes(routes!(page::reports::show))
        .routes(routes!(page::reports::create_incident))
        .routes(routes!(page::incidents::list))
        .routes(routes!(page::incidents::show))
        .routes(routes!(page::incidents::change_status))
        .routes(routes!(page::incidents::link))
        .routes(routes!(page::incidents::unlink))
        .routes(routes!(page::review::list))
        .routes(routes!(page::review::decide))
        .routes(routes!(page::estimates::estimates))
        .routes(routes!(page::audit::audit))
        .split_for_parts()
}

/// Declares the bearer token (and the session cookie) and marks every operation that
/// the permission matrix does not make public as requiring them.
fn secure(mut api: OpenApi) -> OpenApi {
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
    );
    components.add_security_scheme(
        "session_cookie",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
            permissions::SESSION_COOKIE,
        ))),
    );
    for (path, item) in api.paths.paths.iter_mut() {
        for (method, op) in [
            ("GET", &mut item.get),
            ("POST", &mut item.post),
            ("PUT", &mut item.put),
            ("PATCH", &mut item.patch),
            ("DELETE", &mut item.delete),
        ] {
            let Some(op) = op else { continue };
            if let Some(rule) = permissions::rule_for(method, path) {
                if let Access::Roles(roles) = rule.access {
                    op.security = Some(vec![
                        SecurityRequirement::new("bearer", Vec::<String>::new()),
                        SecurityRequirement::new("session_cookie", Vec::<String>::new()),
                    ]);
                    let codes: Vec<_> = roles.iter().map(|r| r.code()).collect();
                    let note = format!("Roles: {}.", codes.join(", "));
                    op.description = Some(match op.description.take() {
                        Some(d) => format!("{d}\n\n{note}"),
                        None => note,
                    });
                }
            }
        }
    }
    api
}

/// The OpenAPI document of the API, as served at `/api/v1/openapi.json`.
pub fn openapi() -> OpenApi {
    secure(router().1)
}

/// The whole application, ready to serve or to drive in-process with `oneshot`.
pub fn app(state: AppState) -> Router {
    let (router, api) = router();
    let doc = serde_json::to_vec(&secure(api)).unwrap_or_else(|e| {
        // Serialising a document built from our own types cannot fail; say so loudly if it does.
        tracing::error!(error = %e, "the OpenAPI document could not be serialised");
        b"{}".to_vec()
    });
    router
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            permissions::authorize,
        ))
        .fallback(handlers::site::not_found)
        .layer(Extension(handlers::site::OpenApiJson(doc.into())))
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(axum::middleware::from_fn(ui::localise_page_errors))
        .layer(axum::middleware::from_fn(ui::security_headers))
        .with_state(state)
}

/// Serves the API on `addr` until `shutdown` completes.
pub async fn serve(
    state: AppState,
    addr: SocketAddr,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    serve_on(state, listener, shutdown).await
}

/// Serves on a listener already bound (port 0 lets the caller learn the port first).
pub async fn serve_on(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    tracing::info!(addr = %listener.local_addr()?, "serving the Aman web UI and API");
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}
