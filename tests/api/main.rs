//! Integration tests: the real app over real sockets against a real PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod accounts_api;
mod cli;
mod conversations;
mod embedded_db;
mod errors;
mod featured;
mod filters;
mod first_screen;
mod health;
mod helpers;
mod ids;
mod instance;
mod lists;
mod media;
mod oauth;
mod polls;
mod publishing;
mod rate_limits;
mod registrations;
mod search;
mod social;
mod statuses;
mod visibility;
