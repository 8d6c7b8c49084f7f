//! aman-estimate
