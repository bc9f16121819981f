//! What every function binary does before its handler: where TLS roots come from, then the runtime.

use std::future::Future;

/// Points rustls at the system's certificate bundle file alone, unless `SSL_CERT_FILE` or `SSL_CERT_DIR`
/// says otherwise. Left to find the roots itself, rustls-native-certs reads the bundle and then every
/// file of the certificate directory, which holds the same roots again one file each. That was half of a
/// function's init (docs/benchmarks.md, issue #22). Runs before any thread starts: the environment is
/// changed only here.
fn prefer_certificate_bundle() {
    if openssl_probe::has_ssl_cert_env_vars() {
        return;
    }
    if let Some(bundle) = openssl_probe::probe().cert_file {
        // SAFETY: called first thing in `main`, before the runtime or anything else starts a thread.
        unsafe { std::env::set_var("SSL_CERT_FILE", bundle) };
    }
}

/// `main` of every function binary: the certificate bundle, then `run` on a single-threaded runtime.
pub fn start<F, Fut>(run: F) -> Result<(), lambda_http::Error>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<(), lambda_http::Error>>,
{
    prefer_certificate_bundle();
    tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(run())
}
