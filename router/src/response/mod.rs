//! Building the client's response.
pub mod shape;
