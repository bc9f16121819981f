//! What the PDF reports say: a record's summary (its fields, notes and timeline) and the dashboard of a date
//! range, as [`crm_pdf::Report`]s. Pure: the handlers read what is shown (as the caller may see it) and
//! render the result.

use crate::handlers::dashboard::Dashboard;
use crm_domain::activity::Activity;
use crm_domain::clock::Timestamp;
use crm_domain::note::Note;
use crm_domain::{RecordKind, UserId};
use crm_pdf::Report;
use serde_json::Value;
use std::collections::BTreeMap;

/// Who people are in a report: user id → name.
pub type Names = BTreeMap<UserId, String>;

fn who(names: &Names, user: UserId) -> String {
    names.get(&user).cloned().unwrap_or_else(|| user.to_string())
}

/// A JSON value as a reader wants it: text as is, lists joined, nothing for null.
fn shown(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Array(items) => items.iter().map(shown).collect::<Vec<_>>().join(", "),
        Value::Object(fields) if fields.contains_key("amount_minor") => money(value),
        other => other.to_string(),
    }
}

/// An amount in minor units with its currency: `1250 EUR` is `12.50 EUR`.
fn money(value: &Value) -> String {
    let minor = value["amount_minor"].as_i64().unwrap_or(0);
    let currency = value["currency"].as_str().unwrap_or("");
    format!("{}.{:02} {currency}", minor / 100, minor % 100)
}

/// An RFC 3339 time to the minute, as people read it: `2026-11-29 20:00 UTC`.
fn when(at: &str) -> String {
    match (at.get(..10), at.get(11..16)) {
        (Some(day), Some(time)) if at.ends_with('Z') => format!("{day} {time} UTC"),
        _ => at.to_owned(),
    }
}

/// `status_changed` as a reader reads it: `Status changed`.
fn humane(name: &str) -> String {
    title_case(&name.replace('_', " "))
}

fn title_case(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// A record with the notes and timeline entries shown (newest first, as read), for `generated` by whoever.
pub fn record_summary(
    kind: RecordKind,
    record: &Value,
    notes: &[Note],
    timeline: &[Activity],
    names: &Names,
    generated: Timestamp,
) -> Report {
    let name = record["name"].as_str().unwrap_or("");
    let mut report = Report::new(format!("{}: {name}", title_case(kind.entity())));
    report.small(format!("Generated {}", when(&generated.rfc3339())));
    report.heading("Details");
    for column in crm_domain::export::columns(kind) {
        // An amount is one line, in its currency.
        let path = match column.strip_suffix(".amount_minor") {
            Some(amount) => amount,
            None if column.ends_with(".currency") || *column == "name" => continue,
            None => column,
        };
        let value = path.split('.').try_fold(record, |value, part| value.get(part)).map(shown).unwrap_or_default();
        if value.is_empty() {
            continue;
        }
        let value = match path {
            "owner_id" => UserId::parse(&value).map_or(value, |owner| who(names, owner)),
            at if at.ends_with("_at") => when(&value),
            _ => value,
        };
        let label = path.trim_end_matches("_id").replace(['_', '.'], " ");
        report.text(format!("{}: {value}", title_case(&label)));
    }
    report.heading(format!("Notes ({})", notes.len()));
    if notes.is_empty() {
        report.small("No notes.");
    }
    for note in notes {
        report.small(format!("{} · {}", when(&note.created_at), who(names, note.author_id)));
        report.text(&note.body);
    }
    report.heading("Timeline");
    for entry in timeline {
        let action = serde_json::to_value(entry.action).ok().map(|a| shown(&a)).unwrap_or_default();
        report.small(format!("{} · {}", when(&entry.at), who(names, entry.actor_id)));
        let changes: Vec<String> = entry
            .changes
            .iter()
            .map(|change| format!("{}: {} → {}", change.field, shown(&change.old), shown(&change.new)))
            .collect();
        if changes.is_empty() {
            report.text(humane(&action));
        } else {
            report.text(format!("{}: {}", humane(&action), changes.join("; ")));
        }
    }
    report
}

/// The dashboard's figures of its range, and each owner's totals when it has them.
pub fn dashboard(board: &Dashboard, names: &Names, generated: Timestamp) -> Report {
    let mut report = Report::new("Dashboard");
    let whose = if board.scope == "tenant" { "the whole account" } else { "your own records" };
    report.text(format!("From {} to {}, {whose}", board.from, board.to));
    report.small(format!("Generated {}", when(&generated.rfc3339())));
    let figures = &board.figures;
    report.heading("Leads");
    report.text(format!("Leads: {}", figures.leads_total));
    report.text(format!("Conversion rate: {:.1}%", figures.conversion_rate * 100.0));
    report.text(format!("Converted in the range: {}", figures.leads_converted_in_range));
    report.text(format!("New in the range: {}", figures.new_leads_per_day.iter().map(|d| d.count).sum::<i64>()));
    for (status, count) in &figures.leads_by_status {
        report.text(format!("Status {status}: {count}"));
    }
    for (source, count) in &figures.leads_by_source {
        report.text(format!("Source {source}: {count}"));
    }
    report.heading("Customers");
    report.text(format!("Customers: {}", figures.customers_total));
    report.text(format!("New in the range: {}", figures.new_customers_in_range));
    report.heading("Deals");
    let amounts = |amounts: &BTreeMap<String, i64>| {
        amounts
            .iter()
            .map(|(currency, minor)| money(&serde_json::json!({"amount_minor": minor, "currency": currency})))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (stage, stage_figures) in &figures.deals_by_stage {
        report.text(format!("{}: {} ({})", title_case(stage), stage_figures.count, amounts(&stage_figures.amount)));
    }
    for (outcome, months) in [("Won", &figures.won_per_month), ("Lost", &figures.lost_per_month)] {
        for month in months {
            report.text(format!("{outcome} in {}: {} ({})", month.month, month.count, amounts(&month.amount)));
        }
    }
    if let Some(owners) = &board.owners {
        report.heading("By owner");
        for owner in owners {
            let open: i64 = owner.figures.deals_by_stage.values().map(|s| s.count).sum();
            report.text(format!(
                "{}: {} leads, {} customers, {open} deals",
                who(names, owner.owner_id),
                owner.figures.leads_total,
                owner.figures.customers_total
            ));
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_domain::activity::{Action, Change};
    use serde_json::json;

    #[test]
    fn a_summary_names_the_record_its_people_and_its_history() {
        let owner = UserId::new();
        let names = Names::from([(owner, "Ada Admin".to_owned())]);
        let lead = json!({"id": "L1", "name": "Grace Hopper", "email": "grace@navy.example", "status": "qualified",
            "owner_id": owner.to_string(), "tags": ["vip", "navy"], "estimated_value": {"amount_minor": 125050, "currency": "USD"}});
        let mut entry = Activity::record("lead", "L1", Action::Updated, owner, "2026-11-29T10:00:00Z", Vec::new());
        entry.changes = vec![Change { field: "status".into(), old: json!("new"), new: json!("qualified") }];
        let report = record_summary(RecordKind::Lead, &lead, &[], &[entry], &names, Timestamp::now());
        let text = format!("{report:?}");
        for expected in [
            "Lead: Grace Hopper",
            "Email: grace@navy.example",
            "Owner: Ada Admin",
            "Tags: vip, navy",
            "Estimated value: 1250.50 USD",
            "Notes (0)",
            "Updated: status: new → qualified",
            "2026-11-29 10:00 UTC",
        ] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
    }
}
