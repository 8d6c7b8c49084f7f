//! aman-vault
