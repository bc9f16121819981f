//! Likely duplicates of a record: records of its kind with the same email address, or a name the search
//! matches closely. Pure: the handler reads the candidates and the records.

use serde::Serialize;

/// Why a record may be the same as another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    SameEmail,
    SimilarName,
}

/// At most how many likely duplicates are shown.
pub const MAX_SHOWN: usize = 10;

/// The candidates, each once with every reason it has, the record itself left out: those with both
/// reasons first, then the same emails (oldest first), then the similar names (best first).
pub fn likely(record: &str, same_email: &[String], similar_name: &[String]) -> Vec<(String, Vec<Reason>)> {
    let mut found: Vec<(String, Vec<Reason>)> = Vec::new();
    let candidates = same_email
        .iter()
        .map(|id| (id, Reason::SameEmail))
        .chain(similar_name.iter().map(|id| (id, Reason::SimilarName)));
    for (id, reason) in candidates.filter(|(id, _)| id.as_str() != record) {
        match found.iter_mut().find(|(known, _)| known == id) {
            Some((_, reasons)) => reasons.push(reason),
            None => found.push((id.clone(), vec![reason])),
        }
    }
    // Stable: within a group the order read is kept.
    found.sort_by_key(|(_, reasons)| std::cmp::Reverse(reasons.len()));
    found.truncate(MAX_SHOWN);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_candidate_once_with_all_its_reasons_and_never_the_record_itself() {
        let ids = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
        let found = likely("me", &ids(&["a", "me", "b"]), &ids(&["me", "c", "b"]));
        assert_eq!(
            found,
            [
                ("b".to_owned(), vec![Reason::SameEmail, Reason::SimilarName]),
                ("a".to_owned(), vec![Reason::SameEmail]),
                ("c".to_owned(), vec![Reason::SimilarName]),
            ]
        );
        let many: Vec<String> = (0..30).map(|n| n.to_string()).collect();
        assert_eq!(likely("x", &many, &[]).len(), MAX_SHOWN);
    }
}
