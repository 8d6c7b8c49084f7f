//! Users and roles. What each role may do is decided at the interface (the server's
//! permission matrix); the roles themselves are domain vocabulary.

use serde::{Deserialize, Serialize};

/// A mission role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    FieldMonitor,
    Investigator,
    Analyst,
    Partner,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::FieldMonitor,
        Role::Investigator,
        Role::Analyst,
        Role::Partner,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::FieldMonitor => "field_monitor",
            Role::Investigator => "investigator",
            Role::Analyst => "analyst",
            Role::Partner => "partner",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// A user account (the password hash stays in the store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
}

/// Usernames are short, printable and unambiguous in logs.
pub fn validate_username(name: &str) -> Result<(), String> {
    let ok_len = (2..=64).contains(&name.len());
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok_len && ok_chars {
        Ok(())
    } else {
        Err("username must be 2–64 characters of a–z, 0–9, '.', '_' or '-'".into())
    }
}
