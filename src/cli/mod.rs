pub mod admin;
pub mod run;
pub mod schema;
pub mod seed;
