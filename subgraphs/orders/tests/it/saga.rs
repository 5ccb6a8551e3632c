//! The order saga across every service.
