//! aman-core
