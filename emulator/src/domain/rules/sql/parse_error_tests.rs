//! Snapshot of the messages CreateTopicRule answers for malformed SQL: each
//! names the line and column of the problem.

use super::{SqlVersion, parse};

const BAD_SQL: &[(&str, SqlVersion)] = &[
    ("", SqlVersion::V2015_10_08),
    ("SELECT", SqlVersion::V2015_10_08),
    ("SELECT * FROM", SqlVersion::V2015_10_08),
    ("SELECT * FROM a/b", SqlVersion::V2015_10_08),
    ("SELECT * 'a/b'", SqlVersion::V2015_10_08),
    ("SELEC * FROM 'a/b'", SqlVersion::V2015_10_08),
    ("SELECT * FROM 'a/b' WHERE", SqlVersion::V2015_10_08),
    ("SELECT * FROM 'a/b' WHERE x >", SqlVersion::V2015_10_08),
    ("SELECT * FROM 'a/b' extra", SqlVersion::V2015_10_08),
    ("SELECT a, FROM 'a/b'", SqlVersion::V2015_10_08),
    ("SELECT a AS FROM 'a/b'", SqlVersion::V2015_10_08),
    ("SELECT (a FROM 'a/b'", SqlVersion::V2015_10_08),
    ("SELECT 'unterminated FROM 'a/b'", SqlVersion::V2015_10_08),
    ("SELECT a # b FROM 'a/b'", SqlVersion::V2015_10_08),
    ("SELECT 12abc FROM 'a/b'", SqlVersion::V2015_10_08),
    ("SELECT nosuch(1) FROM 'a/b'", SqlVersion::V2015_10_08),
    ("SELECT cast(1 AS Date) FROM 'a/b'", SqlVersion::V2015_10_08),
    ("SELECT cast(1, Int) FROM 'a/b'", SqlVersion::V2015_10_08),
    ("SELECT CASE a END FROM 'a/b'", SqlVersion::V2015_10_08),
    ("SELECT CASE a WHEN 1 'x' END FROM 'a/b'", SqlVersion::V2015_10_08),
    ("SELECT VALUE a, b FROM 'a/b'", SqlVersion::V2015_10_08),
    ("SELECT [1, 2] AS a FROM 'a/b'", SqlVersion::V2015_10_08),
    ("SELECT {'a': 1} AS a FROM 'a/b'", SqlVersion::V2015_10_08),
    ("SELECT {'a' 1} AS a FROM 'a/b'", SqlVersion::V2016_03_23),
    ("SELECT (SELECT v FROM e) AS t FROM 'a/b'", SqlVersion::V2015_10_08),
    ("SELECT encode(*, 'base64') AS d FROM 'a/b'", SqlVersion::V2015_10_08),
    ("SELECT parse_time('yyyy', 0) AS d FROM 'a/b'", SqlVersion::V2015_10_08),
    ("SELECT * FROM 'a/#/b'", SqlVersion::V2015_10_08),
    ("SELECT * FROM 'a/b+'", SqlVersion::V2015_10_08),
    ("SELECT * FROM ''", SqlVersion::V2015_10_08),
    ("SELECT * FROM 'a/b' WHERE a IS 5", SqlVersion::V2015_10_08),
    ("SELECT a.5 FROM 'a/b'", SqlVersion::V2015_10_08),
    ("SELECT *\nFROM 'a/b'\nWHERE temperature >\n  AND x", SqlVersion::V2015_10_08),
    ("SELECT 'a\\u12' FROM 'a/b'", SqlVersion::V2015_10_08),
    ("SELECT from FROM 'a/b'", SqlVersion::V2015_10_08),
];

#[test]
fn parse_error_messages() {
    let report: Vec<String> = BAD_SQL
        .iter()
        .map(|(sql, version)| match parse(sql, *version) {
            Ok(_) => format!("{sql:?} [{}] => PARSED", version.as_str()),
            Err(e) => format!("{sql:?} [{}] => {e}", version.as_str()),
        })
        .collect();
    assert!(report.iter().all(|r| !r.ends_with("=> PARSED")), "{report:#?}");
    insta::assert_snapshot!(report.join("\n"));
}
