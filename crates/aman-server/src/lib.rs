//! aman-server
