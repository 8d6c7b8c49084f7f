//! aman-text
