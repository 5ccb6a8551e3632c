//! Talking to subgraphs.
pub mod client;
