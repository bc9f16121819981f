//! The five routes every record kind has — create, list, read, change, delete — declared once and
//! instantiated per kind (`leads`, `customers`, `deals`), each with its own documentation.

/// Declares `create`, `list`, `get`, `update` and `delete` for one record kind in the calling module.
/// The kind's module gives its types, its list filters (a query struct turned into a `RecordFilter`),
/// its URLs, the operations' summaries and their ids (as the functions serving them are named).
#[rustfmt::skip] // rustfmt does not settle on attributes inside macro bodies
macro_rules! record_routes {
    (
        record: $record:ty,
        id: $id:ty,
        new: $new:ty,
        patch: $patch:ty,
        filters: $filters:ty,
        tag: $tag:tt,
        collection: $collection:tt,
        item: $item:tt,
        summaries: [$create:tt, $list:tt, $get:tt, $update:tt, $delete:tt],
        operation_ids: [$create_id:tt, $list_id:tt, $get_id:tt, $update_id:tt, $delete_id:tt],
    ) => {
        use crate::extract::{AppState, Caller, Claimed, IdempotencyKey, IfMatch, Json, Listed, Path};
        use crate::http::{PageBody, Versioned};
        use crate::problem::ApiError;
        use crate::records;
        use axum::extract::State;
        use axum::response::Response;
        use http::StatusCode;

        #[utoipa::path(
            post,
            path = $collection,
            tag = $tag,
            summary = $create,
            operation_id = $create_id,
            request_body = $new,
            params(IdempotencyKey),
            responses((status = 201, description = "Created", body = $record)),
            security(("bearer" = [])),
        )]
        pub async fn create(
            State(app): AppState,
            caller: Caller,
            key: IdempotencyKey,
            Json(input): Json<$new>,
        ) -> Result<Response, ApiError> {
            records::create::<$record, $new>(&app, &caller.actor, key, input).await
        }

        #[utoipa::path(
            get,
            path = $collection,
            tag = $tag,
            summary = $list,
            operation_id = $list_id,
            params(Listed<$filters>),
            responses((status = 200, description = "A page, newest first", body = PageBody<$record>)),
            security(("bearer" = [])),
        )]
        pub async fn list(
            State(app): AppState,
            Claimed(claimed): Claimed,
            query: Listed<$filters>,
        ) -> Result<PageBody<$record>, ApiError> {
            let filter = query.filters.into_filter()?;
            records::list::<$record>(&app, claimed, filter, &query.page).await
        }

        #[utoipa::path(
            get,
            path = $item,
            tag = $tag,
            summary = $get,
            operation_id = $get_id,
            params(crate::records::IdPath),
            responses((status = 200, description = "The record, its version as ETag", body = $record)),
            security(("bearer" = [])),
        )]
        pub async fn get(
            State(app): AppState,
            Claimed(claimed): Claimed,
            Path(id): Path<$id>,
        ) -> Result<Versioned<$record>, ApiError> {
            records::get::<$record>(&app, claimed, id).await
        }

        #[utoipa::path(
            patch,
            path = $item,
            tag = $tag,
            summary = $update,
            operation_id = $update_id,
            request_body = $patch,
            params(crate::records::IdPath, IfMatch),
            responses((status = 200, description = "The changed record", body = $record)),
            security(("bearer" = [])),
        )]
        pub async fn update(
            State(app): AppState,
            caller: Caller,
            Path(id): Path<$id>,
            expected: IfMatch,
            Json(patch): Json<$patch>,
        ) -> Result<Versioned<$record>, ApiError> {
            records::update::<$record, $patch>(&app, &caller.actor, id, expected, patch).await
        }

        #[utoipa::path(
            delete,
            path = $item,
            tag = $tag,
            summary = $delete,
            operation_id = $delete_id,
            params(crate::records::IdPath, IfMatch),
            responses((status = 204, description = "Deleted")),
            security(("bearer" = [])),
        )]
        pub async fn delete(
            State(app): AppState,
            caller: Caller,
            Path(id): Path<$id>,
            expected: IfMatch,
        ) -> Result<StatusCode, ApiError> {
            records::delete::<$record>(&app, &caller.actor, id, expected).await
        }
    };
}
