//! Checks that what is checked in (schemas, docker-compose.yml) matches the code.

mod docker_compose;
mod readme;
mod schema;
