//! Building the client's response.
pub mod body;
pub mod shape;
