//! `crm-local-gateway [--template template.yaml] [--listen 127.0.0.1:3000] [--stream-checkpoints FILE]
//! [--record-aws-calls DIR] [--web-root web/dist] [--print-openapi]`: serves the HTTP API locally (and the
//! built web app at `/`), or prints the OpenAPI document it serves; with a checkpoint file, its stream consumers resume
//! where a previous run stopped; with a directory, each function's AWS calls are recorded there for the IAM
//! check (`infra/iam_conformance.py`).
//! Configuration comes from the same environment variables as the deployed functions (`TABLE_NAME`,
//! `JWT_PUBLIC_KEY`, `JWT_PRIVATE_KEY`, …) plus the AWS SDK's (`AWS_ENDPOINT_URL_DYNAMODB`, …).

use crm_local_gateway::{GatewayOptions, start};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

fn options() -> Result<GatewayOptions, String> {
    let mut options = GatewayOptions::new(PathBuf::from("template.yaml"), SocketAddr::from(([127, 0, 0, 1], 3000)));
    options.queue_visibility_seconds =
        std::env::var("LOCAL_QUEUE_VISIBILITY_SECONDS").ok().and_then(|v| v.parse().ok());
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--template" => options.template = PathBuf::from(value()?),
            "--listen" => {
                options.listen = value()?.parse().map_err(|e| format!("--listen: {e}"))?;
                options.ws_listen = SocketAddr::new(options.listen.ip(), options.listen.port() + 1);
            }
            "--ws-listen" => options.ws_listen = value()?.parse().map_err(|e| format!("--ws-listen: {e}"))?,
            "--stream-checkpoints" => options.stream_checkpoints = Some(PathBuf::from(value()?)),
            "--record-aws-calls" => options.record_aws_calls = Some(PathBuf::from(value()?)),
            "--web-root" => options.web_root = Some(PathBuf::from(value()?)),
            "--print-openapi" => {
                println!("{}", crm_api::openapi::spec_json());
                std::process::exit(0);
            }
            "--help" | "-h" => {
                return Err("usage: crm-local-gateway [--template template.yaml] [--listen 127.0.0.1:3000]".into());
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(options)
}

#[tokio::main]
async fn main() -> ExitCode {
    crm_api::lambda::init_tracing();
    let options = match options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let gateway = match start(options).await {
        Ok(gateway) => gateway,
        Err(error) => {
            eprintln!("local gateway: {error}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("local gateway: {} routes from template.yaml", gateway.routes.len());
    for route in &gateway.routes {
        eprintln!("  {:<7} {}{:<40} -> {}", route.method, gateway.url(), route.path, route.binary);
    }
    for (name, queue) in &gateway.queues {
        eprintln!("  queue   {name:<32} {}", queue.url);
    }
    eprintln!("local gateway: serving {} and the WebSocket API on {} (Ctrl-C stops)", gateway.url(), gateway.ws_url());
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async { match terminate.as_mut() { Some(s) => { s.recv().await; } None => std::future::pending().await } } => {}
    }
    eprintln!("local gateway: stopping");
    gateway.stop().await;
    ExitCode::SUCCESS
}
