//! Reports → incidents.
