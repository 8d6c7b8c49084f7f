//! aman-scenario
