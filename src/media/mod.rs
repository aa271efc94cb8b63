//! Media: checking and re-encoding uploaded images, naming their files, and the one store they
//! are kept in.

pub mod processing;
pub mod profile_images;
pub mod storage;
pub mod store;

pub use processing::{MAX_PIXELS, MAX_SIZE, Processed, process};
