//! Route selection as an API Gateway HTTP API does it: the most specific matching route wins, literal
//! segments over `{param}` over a greedy `{proxy+}`; no match is a 404.

use crate::template::HttpRoute;
use std::collections::BTreeMap;

#[derive(Debug)]
pub struct Matched<'a> {
    pub route: &'a HttpRoute,
    pub path_parameters: BTreeMap<String, String>,
}

/// The specificity of a match: literal segments count most, then parameters; a greedy tail least.
fn match_path(template: &str, path: &str) -> Option<(usize, usize, BTreeMap<String, String>)> {
    let pattern: Vec<&str> = template.trim_matches('/').split('/').collect();
    let actual: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut params = BTreeMap::new();
    let (mut literals, mut singles) = (0, 0);
    for (i, segment) in pattern.iter().enumerate() {
        if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix("+}")) {
            let rest = actual.get(i..).filter(|r| !r.is_empty() && !r[0].is_empty())?;
            params.insert(name.to_owned(), percent_decode(&rest.join("/")));
            return Some((literals, singles, params));
        }
        let value = *actual.get(i)?;
        if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            if value.is_empty() {
                return None;
            }
            params.insert(name.to_owned(), percent_decode(value));
            singles += 1;
        } else if *segment == value {
            literals += 1;
        } else {
            return None;
        }
    }
    (pattern.len() == actual.len()).then_some((literals, singles, params))
}

pub fn select<'a>(routes: &'a [HttpRoute], method: &str, path: &str) -> Option<Matched<'a>> {
    routes
        .iter()
        .filter(|r| r.method == method || r.method == "ANY")
        .filter_map(|route| {
            let (literals, singles, params) = match_path(&route.path, path)?;
            let exact_method = usize::from(route.method == method);
            Some(((literals, singles, exact_method), Matched { route, path_parameters: params }))
        })
        .max_by_key(|(score, _)| *score)
        .map(|(_, matched)| matched)
}

pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: &str, path: &str) -> HttpRoute {
        HttpRoute {
            function: path.into(),
            binary: path.into(),
            method: method.into(),
            path: path.into(),
            issues_tokens: false,
            timeout_seconds: 10,
        }
    }

    #[test]
    fn literal_beats_parameter_and_methods_must_match() {
        let routes = vec![
            route("GET", "/leads/{id}"),
            route("GET", "/leads/export"),
            route("POST", "/leads"),
            route("ANY", "/{proxy+}"),
        ];
        let m = select(&routes, "GET", "/leads/export").unwrap();
        assert_eq!(m.route.path, "/leads/export");
        let m = select(&routes, "GET", "/leads/01ABC").unwrap();
        assert_eq!((m.route.path.as_str(), m.path_parameters["id"].as_str()), ("/leads/{id}", "01ABC"));
        assert_eq!(select(&routes, "DELETE", "/leads").unwrap().route.path, "/{proxy+}");
        assert_eq!(select(&routes, "GET", "/a/b/c").unwrap().path_parameters["proxy"], "a/b/c");
    }

    #[test]
    fn unmatched_paths_find_nothing() {
        let routes = vec![route("GET", "/leads/{id}"), route("POST", "/leads")];
        assert!(select(&routes, "GET", "/leads").is_none());
        assert!(select(&routes, "GET", "/leads/").is_none());
        assert!(select(&routes, "GET", "/leads/1/2").is_none());
        assert!(select(&routes, "PUT", "/leads/1").is_none());
    }

    #[test]
    fn parameters_are_decoded() {
        assert_eq!(percent_decode("a%20b%2Fc%zz%4"), "a b/c%zz%4");
        let routes = vec![route("GET", "/tags/{name}")];
        assert_eq!(select(&routes, "GET", "/tags/hot%20lead").unwrap().path_parameters["name"], "hot lead");
    }
}
