//! Passwords (Argon2id) and session tokens. Only a SHA-256 of a token is stored, so a
//! copy of the database cannot be used to log in.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use aman_core::User;
use aman_store::{Store, StoreError};

/// How long a session lasts without signing in again.
pub const SESSION_HOURS: i64 = 12;
pub const MIN_PASSWORD_LEN: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("wrong username or password")]
    BadCredentials,
    #[error("password must be at least {MIN_PASSWORD_LEN} characters")]
    WeakPassword,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub fn hash_password(password: &str) -> Result<String, AuthError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(AuthError::WeakPassword);
    }
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("Argon2 with default parameters cannot fail")
        .to_string())
}

fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A random password for generated accounts (demo logins): 16 URL-safe characters.
pub fn random_password() -> String {
    let mut bytes = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A signed-in session: the bearer token is shown once and never stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Session {
    pub token: String,
    pub user: User,
    pub expires_at: DateTime<Utc>,
}

pub fn login(store: &dyn Store, username: &str, password: &str) -> Result<Session, AuthError> {
    let Some((user, hash)) = store.find_user(username)? else {
        // Spend the same effort as a real check so timing does not reveal usernames.
        let _ = password_matches(password, DUMMY_HASH);
        return Err(AuthError::BadCredentials);
    };
    if !password_matches(password, &hash) {
        return Err(AuthError::BadCredentials);
    }
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let expires_at = store.clock().now() + Duration::hours(SESSION_HOURS);
    store.create_session(user.id, &token_hash(&token), expires_at)?;
    Ok(Session {
        token,
        user,
        expires_at,
    })
}

/// The user behind a bearer token, if the session is live.
pub fn authenticate(store: &dyn Store, token: &str) -> Result<Option<User>, StoreError> {
    store.session_user(&token_hash(token))
}

const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Xq5r3QZl3mJqk0w4o3PZ0kq1l9bq0mXgk0r0l3PZ0kq";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_short_ones_are_refused() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(password_matches("correct horse battery", &h));
        assert!(!password_matches("wrong horse battery", &h));
        assert!(matches!(
            hash_password("short"),
            Err(AuthError::WeakPassword)
        ));
    }
}
