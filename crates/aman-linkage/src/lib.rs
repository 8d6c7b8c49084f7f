//! aman-linkage
