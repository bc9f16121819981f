//! The web app's built files, served beside the API as CloudFront serves them in AWS: hashed assets cached
//! for a year, `index.html` never, any other path without a file answered with `index.html` (the app routes
//! it), and `config.json` telling the app where the API and the WebSocket API are.

use http_body_util::Full;
use hyper::body::Bytes;
use std::path::{Component, Path, PathBuf};

pub struct WebApp {
    root: PathBuf,
    config: Bytes,
}

impl WebApp {
    /// `root` is the app's build (`web/dist`); the app is on the API's origin, so its API URL is relative.
    pub fn new(root: PathBuf, ws_url: &str) -> Self {
        let config = serde_json::json!({"apiUrl": "", "wsUrl": ws_url}).to_string();
        WebApp { root, config: Bytes::from(config) }
    }

    /// The answer to a `GET` or `HEAD` of `path` that no API route took, if the app has one.
    pub fn answer(&self, method: &str, path: &str) -> Option<hyper::Response<Full<Bytes>>> {
        if !matches!(method, "GET" | "HEAD") || path.starts_with("/api/") || path.starts_with("/api-docs") {
            return None;
        }
        if path == "/config.json" {
            return Some(respond("application/json", "no-cache", self.config.clone()));
        }
        let relative = Path::new(path.trim_start_matches('/'));
        // Only plain names below the root: no `..`, no absolute paths.
        if !relative.components().all(|c| matches!(c, Component::Normal(_))) {
            return None;
        }
        let file = self.root.join(relative);
        if file.is_file() {
            let cache = if path.starts_with("/assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
            let body = std::fs::read(&file).ok()?;
            return Some(respond(content_type(&file), cache, Bytes::from(body)));
        }
        // A route of the app (`/leads/…`); a missing file with an extension stays missing.
        if relative.extension().is_some() {
            return None;
        }
        let index = std::fs::read(self.root.join("index.html")).ok()?;
        Some(respond("text/html; charset=utf-8", "no-cache", Bytes::from(index)))
    }
}

fn respond(content_type: &str, cache: &str, body: Bytes) -> hyper::Response<Full<Bytes>> {
    hyper::Response::builder()
        .status(200)
        .header("content-type", content_type)
        .header("cache-control", cache)
        .header("x-content-type-options", "nosniff")
        .body(Full::new(body))
        .unwrap_or_default()
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_routes_get_the_index_and_nothing_escapes_the_root() {
        let root = std::env::temp_dir().join(format!("crm-web-{}", std::process::id()));
        std::fs::create_dir_all(root.join("assets")).unwrap();
        std::fs::write(root.join("index.html"), "<html>app</html>").unwrap();
        std::fs::write(root.join("assets/app-1a2b.js"), "js").unwrap();
        let web = WebApp::new(root.clone(), "ws://127.0.0.1:3001");
        let index = web.answer("GET", "/leads/123").unwrap();
        assert_eq!(index.headers()["cache-control"], "no-cache");
        let asset = web.answer("GET", "/assets/app-1a2b.js").unwrap();
        assert_eq!(asset.headers()["content-type"], "text/javascript; charset=utf-8");
        assert!(asset.headers()["cache-control"].to_str().unwrap().contains("immutable"));
        assert!(web.answer("GET", "/config.json").is_some());
        assert!(web.answer("GET", "/../etc/passwd").is_none());
        assert!(web.answer("GET", "/assets/missing.js").is_none());
        assert!(web.answer("GET", "/api/v1/nothing").is_none());
        assert!(web.answer("POST", "/leads").is_none());
        std::fs::remove_dir_all(root).unwrap();
    }
}
