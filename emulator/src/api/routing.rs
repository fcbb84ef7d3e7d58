//! Finds the operation of a request from the model's URI templates: literal
//! segments, `{label}` segments and greedy `{label+}` tails, the most literal
//! template winning where several match.

use percent_encoding::percent_decode_str;

use super::wire::RouteSpec;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(&'static str),
    Label(&'static str),
    Greedy(&'static str),
}

#[derive(Debug)]
struct Route {
    index: usize,
    method: &'static str,
    segments: Vec<Segment>,
}

/// What the table says of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteMatch {
    /// The operation at `index` of the service's `ROUTES`, with decoded labels.
    Found {
        index: usize,
        labels: Labels,
    },
    /// A template matches the path, but not with this method.
    WrongMethod,
    NotFound,
}

/// The compiled routes of one service.
#[derive(Debug)]
pub struct RouteTable {
    routes: Vec<Route>,
}

fn compile(uri: &'static str) -> Vec<Segment> {
    let path = uri.split('?').next().unwrap_or(uri);
    path.trim_start_matches('/')
        .split('/')
        .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => match name.strip_suffix('+') {
                Some(greedy) => Segment::Greedy(greedy),
                None => Segment::Label(name),
            },
            None => Segment::Literal(s),
        })
        .collect()
}

fn decode(raw: &str) -> String {
    percent_decode_str(raw).decode_utf8_lossy().into_owned()
}

/// Decoded label values by label name.
type Labels = Vec<(&'static str, String)>;

/// Matches `parts` (raw, still percent-encoded) against a template; on success the
/// labels and a specificity score (literal segments weigh most).
fn match_route(segments: &[Segment], parts: &[&str]) -> Option<(Labels, Vec<u8>)> {
    let mut labels = Vec::new();
    let mut score = Vec::with_capacity(segments.len());
    for (i, seg) in segments.iter().enumerate() {
        match seg {
            Segment::Greedy(name) => {
                let rest = parts.get(i..).filter(|r| !r.is_empty() && !r[0].is_empty())?;
                labels.push((*name, decode(&rest.join("/"))));
                score.push(0);
                return Some((labels, score));
            }
            Segment::Literal(lit) => {
                if parts.get(i)? != lit {
                    return None;
                }
                score.push(2);
            }
            Segment::Label(name) => {
                let raw = parts.get(i).filter(|p| !p.is_empty())?;
                labels.push((*name, decode(raw)));
                score.push(1);
            }
        }
    }
    (parts.len() == segments.len()).then_some((labels, score))
}

impl RouteTable {
    pub fn new(specs: &'static [RouteSpec]) -> RouteTable {
        let routes = specs
            .iter()
            .enumerate()
            .map(|(index, s)| Route { index, method: s.method, segments: compile(s.uri) })
            .collect();
        RouteTable { routes }
    }

    /// Routes `method` and the raw (percent-encoded) `path`, without the query.
    pub fn find(&self, method: &str, path: &str) -> RouteMatch {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let mut best: Option<(usize, Labels, Vec<u8>)> = None;
        let mut path_matched = false;
        for route in &self.routes {
            let Some((labels, score)) = match_route(&route.segments, &parts) else { continue };
            path_matched = true;
            if route.method != method {
                continue;
            }
            if best.as_ref().is_none_or(|(_, _, s)| score > *s) {
                best = Some((route.index, labels, score));
            }
        }
        match best {
            Some((index, labels, _)) => RouteMatch::Found { index, labels },
            None if path_matched => RouteMatch::WrongMethod,
            None => RouteMatch::NotFound,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::generated::{iot, iot_data, iot_jobs_data};

    /// A concrete path for a template: each label becomes a value that is no literal.
    fn sample_path(uri: &str) -> String {
        let path = uri.split('?').next().unwrap();
        path.split('/')
            .map(|s| {
                if s.starts_with('{') {
                    format!("v-{}", s.trim_matches(|c| c == '{' || c == '}' || c == '+'))
                } else {
                    s.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    #[test]
    fn every_model_operation_routes_to_itself() {
        for (service, specs) in [
            ("iot", iot::ROUTES),
            ("iot-data", iot_data::ROUTES),
            ("iot-jobs-data", iot_jobs_data::ROUTES),
        ] {
            let table = RouteTable::new(specs);
            for (i, spec) in specs.iter().enumerate() {
                let path = sample_path(spec.uri);
                match table.find(spec.method, &path) {
                    RouteMatch::Found { index, labels } => {
                        assert_eq!(
                            specs[index].name, spec.name,
                            "{service}: {} {path} routed elsewhere",
                            spec.method
                        );
                        assert_eq!(index, i);
                        for (name, value) in labels {
                            assert_eq!(value, format!("v-{name}"), "{service} {}", spec.name);
                        }
                    }
                    other => panic!("{service}: {} {} {path}: {other:?}", spec.name, spec.method),
                }
            }
        }
        assert_eq!(iot::ROUTES.len(), 272, "the iot model has 272 operations");
    }

    /// (service routes, method, raw path, expected operation or outcome, expected labels)
    type Case<'a> = (
        &'a RouteTable,
        &'a [RouteSpec],
        &'a str,
        &'a str,
        Result<&'a str, RouteMatch>,
        &'a [(&'a str, &'a str)],
    );

    #[test]
    fn tricky_paths() {
        let iot = RouteTable::new(iot::ROUTES);
        let data = RouteTable::new(iot_data::ROUTES);
        let jobs = RouteTable::new(iot_jobs_data::ROUTES);
        let cases: &[Case<'_>] = &[
            // A literal segment beats a label in the same place.
            (
                &iot,
                iot::ROUTES,
                "PUT",
                "/thing-groups/addThingToThingGroup",
                Ok("AddThingToThingGroup"),
                &[],
            ),
            (
                &iot,
                iot::ROUTES,
                "POST",
                "/thing-groups/addThingToThingGroup",
                Ok("CreateThingGroup"),
                &[("thingGroupName", "addThingToThingGroup")],
            ),
            // Percent-encoded slashes stay inside one label.
            (
                &data,
                iot_data::ROUTES,
                "POST",
                "/topics/a%2Fb%2F%23",
                Ok("Publish"),
                &[("topic", "a/b/#")],
            ),
            (&data, iot_data::ROUTES, "POST", "/topics/a/b", Err(RouteMatch::NotFound), &[]),
            // A greedy label takes the rest of the path, slashes and all.
            (
                &iot,
                iot::ROUTES,
                "GET",
                "/destinations/arn:aws:iot:us-east-1:1:ruledestination/http/abc",
                Ok("GetTopicRuleDestination"),
                &[("arn", "arn:aws:iot:us-east-1:1:ruledestination/http/abc")],
            ),
            // Labels are percent-decoded, including spaces and colons.
            (
                &iot,
                iot::ROUTES,
                "GET",
                "/things/my%20thing%3A1",
                Ok("DescribeThing"),
                &[("thingName", "my thing:1")],
            ),
            // Same path, other methods.
            (&iot, iot::ROUTES, "DELETE", "/things/t1", Ok("DeleteThing"), &[("thingName", "t1")]),
            (&iot, iot::ROUTES, "PATCH", "/things/t1", Ok("UpdateThing"), &[("thingName", "t1")]),
            (&iot, iot::ROUTES, "PUT", "/things/t1", Err(RouteMatch::WrongMethod), &[]),
            // Empty labels and trailing slashes match nothing.
            (&iot, iot::ROUTES, "GET", "/things/", Err(RouteMatch::NotFound), &[]),
            (&iot, iot::ROUTES, "GET", "/things", Ok("ListThings"), &[]),
            (&iot, iot::ROUTES, "GET", "/nothing/here", Err(RouteMatch::NotFound), &[]),
            // The paths that collide across services (DESIGN D3) resolve per service.
            (
                &iot,
                iot::ROUTES,
                "GET",
                "/things/t1/jobs",
                Ok("ListJobExecutionsForThing"),
                &[("thingName", "t1")],
            ),
            (
                &jobs,
                iot_jobs_data::ROUTES,
                "GET",
                "/things/t1/jobs",
                Ok("GetPendingJobExecutions"),
                &[("thingName", "t1")],
            ),
            (
                &data,
                iot_data::ROUTES,
                "GET",
                "/things/t1/shadow",
                Ok("GetThingShadow"),
                &[("thingName", "t1")],
            ),
        ];
        for (table, specs, method, path, expected, labels) in cases {
            let got = table.find(method, path);
            match (expected, got) {
                (Ok(name), RouteMatch::Found { index, labels: got_labels }) => {
                    assert_eq!(specs[index].name, *name, "{method} {path}");
                    let got_labels: Vec<(&str, &str)> =
                        got_labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    assert_eq!(got_labels, labels.to_vec(), "{method} {path}");
                }
                (Err(outcome), got) => assert_eq!(&got, outcome, "{method} {path}"),
                (Ok(name), got) => panic!("{method} {path}: expected {name}, got {got:?}"),
            }
        }
    }
}
