//! The files bucket (S3): exports, imports and PDFs. Every key begins with its account, as every table key
//! does; objects expire by the bucket's lifecycle rule. A file written across several job steps goes up as a
//! multipart upload whose parts the job's checkpoint remembers; people fetch files through short-lived
//! presigned URLs, never through the API.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use crm_domain::TenantId;
use crm_domain::job::UploadedPart;
use std::time::Duration;

/// Told of every presigned URL (method, URL), when set: the local stack records that the signing function's
/// role must allow what the URL does, since whoever follows it acts with that role.
static PRESIGN_OBSERVER: std::sync::OnceLock<fn(&str, &str)> = std::sync::OnceLock::new();

/// Sets the observer of every presigned URL in this process (the first call wins).
pub fn observe_presigned(observer: fn(&str, &str)) {
    let _ = PRESIGN_OBSERVER.set(observer);
}

/// S3's smallest part of a multipart upload (but the last).
pub const MIN_PART_BYTES: usize = 5 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
#[error("S3 {operation}: {message}")]
pub struct FilesError {
    operation: &'static str,
    message: String,
}

fn failed<E: std::error::Error>(operation: &'static str) -> impl FnOnce(E) -> FilesError {
    move |error| {
        let mut message = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            message = format!("{message}: {cause}");
            source = cause.source();
        }
        FilesError { operation, message }
    }
}

/// The key of an account's file: `<account>/<area>/<name>`.
pub fn key(tenant: TenantId, area: &str, name: &str) -> String {
    format!("{tenant}/{area}/{name}")
}

/// Where a user's upload lives: under the account and the user, so an import reads only its own user's.
pub fn upload_key(tenant: TenantId, user: crm_domain::UserId, upload: crm_domain::UploadId) -> String {
    key(tenant, "uploads", &format!("{user}/{upload}.csv"))
}

#[derive(Clone, Debug)]
pub struct Files {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl Files {
    /// The deployment's files (`FILES_BUCKET`), for the functions given the bucket.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>, aws: &aws_config::SdkConfig) -> Option<Self> {
        let bucket = lookup("FILES_BUCKET").filter(|b| !b.is_empty())?;
        Some(Files::new(aws, bucket, lookup("AWS_ENDPOINT_URL_S3").is_some_and(|e| !e.is_empty())))
    }

    /// `local`: a local S3 (moto), which answers on one host, so buckets are named in the path.
    pub fn new(aws: &aws_config::SdkConfig, bucket: String, local: bool) -> Self {
        let config = aws_sdk_s3::config::Builder::from(aws).force_path_style(local).build();
        Files { client: aws_sdk_s3::Client::from_conf(config), bucket }
    }

    pub async fn put(&self, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), FilesError> {
        let put = self.client.put_object().bucket(&self.bucket).key(key).content_type(content_type);
        put.body(ByteStream::from(body)).send().await.map_err(failed("PutObject"))?;
        Ok(())
    }

    /// The object's bytes, or `None` when there is none.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, FilesError> {
        let answer = self.client.get_object().bucket(&self.bucket).key(key).send().await;
        let output = match answer {
            Ok(output) => output,
            Err(error) if error.as_service_error().is_some_and(|e| e.is_no_such_key()) => return Ok(None),
            Err(error) => return Err(failed("GetObject")(error)),
        };
        let body = output.body.collect().await.map_err(failed("GetObject"))?;
        Ok(Some(body.into_bytes().to_vec()))
    }

    /// The object's size and ETag, or `None` when there is none.
    pub async fn head(&self, key: &str) -> Result<Option<(u64, String)>, FilesError> {
        let answer = self.client.head_object().bucket(&self.bucket).key(key).send().await;
        let output = match answer {
            Ok(output) => output,
            Err(error) if error.as_service_error().is_some_and(|e| e.is_not_found()) => return Ok(None),
            Err(error) => return Err(failed("HeadObject")(error)),
        };
        let bytes = u64::try_from(output.content_length.unwrap_or(0)).unwrap_or(0);
        Ok(Some((bytes, output.e_tag.unwrap_or_default().trim_matches('"').to_owned())))
    }

    /// Up to `length` bytes of the object from byte `from`, provided it still has ETag `etag` (a file
    /// replaced since is refused rather than read half old, half new).
    pub async fn get_range(&self, key: &str, etag: &str, from: u64, length: u64) -> Result<Vec<u8>, FilesError> {
        let range = format!("bytes={from}-{}", from + length.max(1) - 1);
        let get = self.client.get_object().bucket(&self.bucket).key(key).range(range).if_match(format!("\"{etag}\""));
        let output = get.send().await.map_err(failed("GetObject"))?;
        let body = output.body.collect().await.map_err(failed("GetObject"))?;
        Ok(body.into_bytes().to_vec())
    }

    /// A URL that puts exactly `bytes` bytes of `content_type` at `key` for `valid_for`: the size and type
    /// are signed, so S3 refuses any other.
    pub async fn upload_url(
        &self,
        key: &str,
        bytes: u64,
        content_type: &str,
        valid_for: Duration,
    ) -> Result<String, FilesError> {
        let config = aws_sdk_s3::presigning::PresigningConfig::expires_in(valid_for).map_err(failed("presign"))?;
        let length = i64::try_from(bytes).map_err(failed("presign"))?;
        let put =
            self.client.put_object().bucket(&self.bucket).key(key).content_type(content_type).content_length(length);
        let url = put.presigned(config).await.map_err(failed("presign"))?.uri().to_owned();
        if let Some(observer) = PRESIGN_OBSERVER.get() {
            observer("PUT", &url);
        }
        Ok(url)
    }

    pub async fn delete(&self, key: &str) -> Result<(), FilesError> {
        self.client.delete_object().bucket(&self.bucket).key(key).send().await.map_err(failed("DeleteObject"))?;
        Ok(())
    }

    /// Starts a multipart upload; answers its id.
    pub async fn start_upload(&self, key: &str, content_type: &str) -> Result<String, FilesError> {
        let started = self.client.create_multipart_upload().bucket(&self.bucket).key(key).content_type(content_type);
        let output = started.send().await.map_err(failed("CreateMultipartUpload"))?;
        output
            .upload_id
            .ok_or_else(|| FilesError { operation: "CreateMultipartUpload", message: "no upload id".into() })
    }

    /// Uploads part `number` (from 1; a part sent again under its number replaces the first).
    pub async fn upload_part(
        &self,
        key: &str,
        upload: &str,
        number: i32,
        body: Vec<u8>,
    ) -> Result<UploadedPart, FilesError> {
        let part = self.client.upload_part().bucket(&self.bucket).key(key).upload_id(upload).part_number(number);
        let output = part.body(ByteStream::from(body)).send().await.map_err(failed("UploadPart"))?;
        let etag = output.e_tag.ok_or_else(|| FilesError { operation: "UploadPart", message: "no ETag".into() })?;
        Ok(UploadedPart { number, etag })
    }

    pub async fn finish_upload(&self, key: &str, upload: &str, parts: &[UploadedPart]) -> Result<(), FilesError> {
        let parts = parts
            .iter()
            .map(|p| CompletedPart::builder().part_number(p.number).e_tag(&p.etag).build())
            .collect::<Vec<_>>();
        let whole = CompletedMultipartUpload::builder().set_parts(Some(parts)).build();
        let finish = self.client.complete_multipart_upload().bucket(&self.bucket).key(key).upload_id(upload);
        finish.multipart_upload(whole).send().await.map_err(failed("CompleteMultipartUpload"))?;
        Ok(())
    }

    /// A URL that fetches the object for `valid_for`, offered to the browser as `file_name`.
    pub async fn download_url(&self, key: &str, file_name: &str, valid_for: Duration) -> Result<String, FilesError> {
        let config = aws_sdk_s3::presigning::PresigningConfig::expires_in(valid_for).map_err(failed("presign"))?;
        let disposition = format!("attachment; filename=\"{}\"", file_name.replace(['"', '\\'], ""));
        let get = self.client.get_object().bucket(&self.bucket).key(key).response_content_disposition(disposition);
        let url = get.presigned(config).await.map_err(failed("presign"))?.uri().to_owned();
        if let Some(observer) = PRESIGN_OBSERVER.get() {
            observer("GET", &url);
        }
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_begin_with_their_account() {
        let tenant = TenantId::new();
        assert_eq!(key(tenant, "exports", "j.csv"), format!("{tenant}/exports/j.csv"));
    }
}
