//! The command line's administration commands that outgrew `main.rs`.

pub mod domains;
