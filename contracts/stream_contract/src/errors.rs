use soroban_sdk::contracterror;

/// Error codes are ABI: new ones may only be appended (15 and up).
#[contracterror]
#[derive(Clone, Copy, Debug, Eq, PartialEq, PartialOrd, Ord)]
#[repr(u32)]
pub enum StreamError {
    InvalidAmount = 1,
    StreamNotFound = 2,
    Unauthorized = 3,
    StreamInactive = 4,
    AlreadyInitialized = 5,
    NotAdmin = 6,
    InvalidFeeRate = 7,
    NotInitialized = 8,
    InvalidDuration = 9,
    InvalidTokenAddress = 10,
    InvalidRate = 11,
    StreamPaused = 12,
    StreamNotPaused = 13,
    StreamAlreadyPaused = 14,
}
