//! Checks that what is checked in (schemas, docker-compose.yml, the playground bundle)
//! matches the code.

mod docker_compose;
mod identity;
mod playground_bundle;
mod readme;
mod schema;
