//! Integration tests of the orders service alone against the real broker. The
//! saga across every service is tested from the workspace root (`tests/it/system`).

mod live_pause;
