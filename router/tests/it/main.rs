//! Router integration tests: real subgraphs over loopback, composed supergraphs, the router
//! on port 0.
mod auth;
mod auth_tests;
mod config_tests;
mod echo;
mod echo_tests;
mod harness;
mod http_tests;
mod live;
mod media;
mod media_tests;
mod null_keys;
mod requires_args;
mod requires_fragments;
mod shop;
mod shop_tests;
mod subscription_auth_tests;
mod subscription_tests;
mod tls_tests;
