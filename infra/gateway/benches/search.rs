//! Search latency over 100,000 indexed leads on the local OpenSearch-compatible engine: bulk-indexes
//! synthetic leads of one tenant (plus a second tenant's, which every query must filter out), then times
//! typo, prefix and email queries. Run with `bash infra/bench/search.sh`.

use crm_domain::TenantId;
use crm_search::{SearchClient, SearchDoc, SearchRequest, doc_id};
use serde_json::json;
use std::time::Instant;

const LEADS: usize = 100_000;
const QUERIES: usize = 300;
const FIRST: [&str; 12] =
    ["Jonathan", "Maria", "Ahmed", "Li", "Olga", "Pierre", "Sofia", "Kenji", "Amara", "Lucas", "Ingrid", "Mateo"];
const LAST: [&str; 12] =
    ["Smith", "García", "Khan", "Wang", "Ivanova", "Dubois", "Rossi", "Tanaka", "Okafor", "Silva", "Berg", "López"];
const COMPANIES: [&str; 8] = [
    "Acme Corporation",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay Industries",
    "Stark Industries",
    "Wayne Enterprises",
];

fn doc(tenant: TenantId, n: usize) -> (String, SearchDoc, u64) {
    let (first, last, company) = (FIRST[n % 12], LAST[(n / 12) % 12], COMPANIES[(n / 144) % 8]);
    let id = format!("{n:026}");
    let doc = SearchDoc {
        tenant_id: tenant.to_string(),
        kind: "lead".into(),
        record_id: id.clone(),
        owner_id: Some(format!("owner-{}", n % 20)),
        parent_type: None,
        parent_id: None,
        state: Some("new".into()),
        tags: vec![],
        updated_at: "2026-11-25T09:00:00.000Z".into(),
        name: Some(format!("{first} {last} {n}")),
        company: Some(company.into()),
        email: Some(format!(
            "{}.{}{n}@{}.example",
            first.to_lowercase(),
            last.to_lowercase(),
            company.split(' ').next().unwrap_or("x").to_lowercase()
        )),
        phone: None,
        body: None,
    };
    (doc_id(tenant, "lead", &id), doc, 1)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let endpoint = std::env::var("OPENSEARCH_ENDPOINT").expect("run through infra/bench/search.sh");
    let search = SearchClient::new(&endpoint, "bench-records", None);
    search.roll_out().await.unwrap();
    let (tenant, other) = (TenantId::new(), TenantId::new());
    let started = Instant::now();
    let docs: Vec<_> = (0..LEADS).map(|n| doc(tenant, n)).chain((0..1_000).map(|n| doc(other, n))).collect();
    for chunk in docs.chunks(2_000) {
        search.bulk(chunk).await.unwrap();
    }
    search.refresh().await.unwrap();
    println!("indexed {} documents in {:.1} s", docs.len(), started.elapsed().as_secs_f64());

    let queries = ["jonh smth", "acme corp", "smi", "maria.garcia", "ingrd berg", "vandelay", "kenj tanak", "glob"];
    let mut times = Vec::new();
    let mut found = 0;
    for n in 0..QUERIES {
        let request = SearchRequest {
            tenant: tenant.to_string(),
            text: queries[n % queries.len()].to_owned(),
            kind: None,
            owner: (n % 3 == 0).then(|| format!("owner-{}", n % 20)),
            limit: 25,
            cursor: None,
        };
        let t = Instant::now();
        let page = search.search(&request).await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        found += page.items.len();
        assert!(page.items.iter().all(|h| !h.id.is_empty()));
    }
    report(&format!("{QUERIES} queries over {LEADS} leads"), times);
    println!("({:.1} hits per query)", found as f64 / QUERIES as f64);

    // The engine's floor: the cheapest lookup there is (one lead by id), with and without the tenant filter
    // every search carries.
    let http = reqwest::Client::new();
    for (name, tenant_filter) in [("one lead by id, tenant-filtered", true), ("one lead by id, unfiltered", false)] {
        let mut times = Vec::new();
        for n in 0..QUERIES {
            let mut filter = vec![json!({"term": {"record_id": format!("{:026}", n * 7)}})];
            if tenant_filter {
                filter.push(json!({"term": {"tenant_id": tenant.to_string()}}));
            }
            let body = json!({"query": {"bool": {"filter": filter}}, "size": 25});
            let t = Instant::now();
            let response = http.post(format!("{endpoint}/bench-records/_search")).json(&body).send().await.unwrap();
            assert!(response.status().is_success(), "{}", response.status());
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        report(name, times);
    }
}

fn report(name: &str, mut times: Vec<f64>) {
    times.sort_by(f64::total_cmp);
    println!(
        "{name}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times[times.len() - 1],
    );
}
