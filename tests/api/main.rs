//! Integration tests: the real app over real sockets against a real PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod cli;
mod embedded_db;
mod errors;
mod health;
mod helpers;
mod ids;
