use crate::idempotency::IdempotencyRecord;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("that email address is already registered")]
    EmailTaken,
    #[error("the record was changed by someone else since it was read")]
    VersionConflict,
    #[error("the record does not exist")]
    NotFound,
    #[error("the owner is not an active user of this account")]
    UnknownOwner,
    #[error("this change was already made")]
    Duplicate,
    #[error("{0} names no record of this account")]
    MissingReference(&'static str),
    #[error("this Idempotency-Key was already used")]
    Replay(Box<IdempotencyRecord>),
    /// The account's plan allows no more of something.
    #[error(transparent)]
    PlanLimit(crm_domain::plan::LimitReached),
    #[error("the cursor is not valid for this list")]
    BadCursor,
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
    #[error("DynamoDB: {0}")]
    Backend(String),
}

impl<E, R> From<SdkError<E, R>> for StoreError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    fn from(error: SdkError<E, R>) -> Self {
        StoreError::Backend(DisplayErrorContext(&error).to_string())
    }
}

impl From<serde_dynamo::Error> for StoreError {
    fn from(error: serde_dynamo::Error) -> Self {
        StoreError::Corrupt(error.to_string())
    }
}

impl From<aws_sdk_dynamodb::error::BuildError> for StoreError {
    fn from(error: aws_sdk_dynamodb::error::BuildError) -> Self {
        StoreError::Backend(error.to_string())
    }
}
