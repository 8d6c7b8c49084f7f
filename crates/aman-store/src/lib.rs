//! aman-store
