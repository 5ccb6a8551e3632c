//! The `mart` package's library: what the command line and the workspace's system
//! tests (`tests/`) share, so that both start the same subgraphs the same way.

pub mod registry;
