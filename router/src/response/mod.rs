//! Building the client's response.
pub mod body;
mod plan;
pub mod shape;
