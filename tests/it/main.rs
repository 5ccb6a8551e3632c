//! Checks that what is checked in (schemas, docker-compose.yml, the playground bundle)
//! matches the code, and the whole system of real processes under faults (chaos).

mod chaos;
mod compose_processes;
mod docker_compose;
mod identity;
mod kubernetes;
mod playground_bundle;
mod readme;
mod schema;
mod seed;
mod shop;
