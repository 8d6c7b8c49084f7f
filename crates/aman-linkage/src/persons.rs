//! Victims → persons.
