//! ActivityPub: keys now; vocabulary, rendering, inbox, fetching, signatures and delivery to come.

pub mod keys;
