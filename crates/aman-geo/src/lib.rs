//! aman-geo
