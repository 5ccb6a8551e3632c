pub mod admin;
pub mod dead_letters;
pub mod run;
pub mod runtime;
pub mod schema;
pub mod seed;
