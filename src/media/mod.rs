//! Media: checking and re-encoding uploaded images, and keeping their files on the local disk.

pub mod processing;
pub mod profile_images;
pub mod storage;

pub use processing::{MAX_PIXELS, MAX_SIZE, Processed, process};
