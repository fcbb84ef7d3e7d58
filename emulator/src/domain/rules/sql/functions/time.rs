//! `parse_time(pattern, timestampMs[, zone])`: formats an instant with a
//! Joda-Time pattern. Zones: UTC, fixed offsets (`+05:30`), and a table of
//! common IANA zones with their current standard offsets and US/EU daylight
//! saving rules (no historical tz data: an emulator does not carry the tz
//! database; unknown zones give Undefined).

use super::super::eval::{Ctx, EResult};
use super::super::value::Value;
use super::{string, undefined};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dst {
    None,
    /// Second Sunday of March 02:00 local to first Sunday of November 02:00.
    Us,
    /// Last Sunday of March 01:00 UTC to last Sunday of October 01:00 UTC.
    Eu,
}

struct ZoneDef {
    id: &'static str,
    std_minutes: i64,
    std_short: &'static str,
    dst_short: &'static str,
    std_long: &'static str,
    dst_long: &'static str,
    dst: Dst,
}

const fn z(
    id: &'static str,
    std_minutes: i64,
    names: (&'static str, &'static str, &'static str, &'static str),
    dst: Dst,
) -> ZoneDef {
    ZoneDef {
        id,
        std_minutes,
        std_short: names.0,
        dst_short: names.1,
        std_long: names.2,
        dst_long: names.3,
        dst,
    }
}

const UTC_NAMES: (&str, &str, &str, &str) =
    ("UTC", "UTC", "Coordinated Universal Time", "Coordinated Universal Time");
const EASTERN: (&str, &str, &str, &str) =
    ("EST", "EDT", "Eastern Standard Time", "Eastern Daylight Time");
const CENTRAL: (&str, &str, &str, &str) =
    ("CST", "CDT", "Central Standard Time", "Central Daylight Time");
const MOUNTAIN: (&str, &str, &str, &str) =
    ("MST", "MDT", "Mountain Standard Time", "Mountain Daylight Time");
const PACIFIC: (&str, &str, &str, &str) =
    ("PST", "PDT", "Pacific Standard Time", "Pacific Daylight Time");
const CET: (&str, &str, &str, &str) =
    ("CET", "CEST", "Central European Time", "Central European Summer Time");
const EET: (&str, &str, &str, &str) =
    ("EET", "EEST", "Eastern European Time", "Eastern European Summer Time");

static ZONES: &[ZoneDef] = &[
    z("UTC", 0, UTC_NAMES, Dst::None),
    z("Etc/UTC", 0, UTC_NAMES, Dst::None),
    z("GMT", 0, ("GMT", "GMT", "Greenwich Mean Time", "Greenwich Mean Time"), Dst::None),
    z("Etc/GMT", 0, ("GMT", "GMT", "Greenwich Mean Time", "Greenwich Mean Time"), Dst::None),
    z("America/New_York", -300, EASTERN, Dst::Us),
    z("America/Detroit", -300, EASTERN, Dst::Us),
    z("America/Toronto", -300, EASTERN, Dst::Us),
    z("America/Chicago", -360, CENTRAL, Dst::Us),
    z("America/Winnipeg", -360, CENTRAL, Dst::Us),
    z("America/Belize", -360, CENTRAL, Dst::None),
    z("America/Regina", -360, CENTRAL, Dst::None),
    z("America/Denver", -420, MOUNTAIN, Dst::Us),
    z("America/Edmonton", -420, MOUNTAIN, Dst::Us),
    z("America/Phoenix", -420, MOUNTAIN, Dst::None),
    z("America/Los_Angeles", -480, PACIFIC, Dst::Us),
    z("America/Vancouver", -480, PACIFIC, Dst::Us),
    z(
        "America/Anchorage",
        -540,
        ("AKST", "AKDT", "Alaska Standard Time", "Alaska Daylight Time"),
        Dst::Us,
    ),
    z(
        "Pacific/Honolulu",
        -600,
        ("HST", "HST", "Hawaii Standard Time", "Hawaii Standard Time"),
        Dst::None,
    ),
    z("America/Sao_Paulo", -180, ("BRT", "BRT", "Brasilia Time", "Brasilia Time"), Dst::None),
    z("Europe/London", 0, ("GMT", "BST", "Greenwich Mean Time", "British Summer Time"), Dst::Eu),
    z("Europe/Dublin", 0, ("GMT", "IST", "Greenwich Mean Time", "Irish Summer Time"), Dst::Eu),
    z(
        "Europe/Lisbon",
        0,
        ("WET", "WEST", "Western European Time", "Western European Summer Time"),
        Dst::Eu,
    ),
    z("Europe/Amsterdam", 60, CET, Dst::Eu),
    z("Europe/Berlin", 60, CET, Dst::Eu),
    z("Europe/Brussels", 60, CET, Dst::Eu),
    z("Europe/Madrid", 60, CET, Dst::Eu),
    z("Europe/Paris", 60, CET, Dst::Eu),
    z("Europe/Rome", 60, CET, Dst::Eu),
    z("Europe/Stockholm", 60, CET, Dst::Eu),
    z("Europe/Vienna", 60, CET, Dst::Eu),
    z("Europe/Warsaw", 60, CET, Dst::Eu),
    z("Europe/Zurich", 60, CET, Dst::Eu),
    z("Europe/Athens", 120, EET, Dst::Eu),
    z("Europe/Helsinki", 120, EET, Dst::Eu),
    z(
        "Europe/Moscow",
        180,
        ("MSK", "MSK", "Moscow Standard Time", "Moscow Standard Time"),
        Dst::None,
    ),
    z("Asia/Dubai", 240, ("GST", "GST", "Gulf Standard Time", "Gulf Standard Time"), Dst::None),
    z("Asia/Kolkata", 330, ("IST", "IST", "India Standard Time", "India Standard Time"), Dst::None),
    z(
        "Asia/Shanghai",
        480,
        ("CST", "CST", "China Standard Time", "China Standard Time"),
        Dst::None,
    ),
    z("Asia/Singapore", 480, ("SGT", "SGT", "Singapore Time", "Singapore Time"), Dst::None),
    z("Asia/Tokyo", 540, ("JST", "JST", "Japan Standard Time", "Japan Standard Time"), Dst::None),
    z("Asia/Seoul", 540, ("KST", "KST", "Korean Standard Time", "Korean Standard Time"), Dst::None),
    z(
        "Australia/Brisbane",
        600,
        ("AEST", "AEST", "Australian Eastern Standard Time", "Australian Eastern Standard Time"),
        Dst::None,
    ),
];

/// A resolved zone at one instant.
struct ZoneAt {
    offset_minutes: i64,
    short: String,
    long: String,
    id: String,
}

fn fixed_offset(id: &str) -> Option<i64> {
    let (sign, rest) = match id.as_bytes().first()? {
        b'+' => (1, &id[1..]),
        b'-' => (-1, &id[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (h, m) = match digits.len() {
        1 | 2 => (digits.parse::<i64>().ok()?, 0),
        4 => (digits[..2].parse::<i64>().ok()?, digits[2..].parse::<i64>().ok()?),
        _ => return None,
    };
    (h <= 23 && m <= 59).then_some(sign * (h * 60 + m))
}

fn offset_text(minutes: i64, colon: bool) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.abs();
    if colon {
        format!("{sign}{:02}:{:02}", m / 60, m % 60)
    } else {
        format!("{sign}{:02}{:02}", m / 60, m % 60)
    }
}

fn resolve_zone(id: &str, utc_ms: i64) -> Option<ZoneAt> {
    if let Some(off) = fixed_offset(id) {
        let text = offset_text(off, true);
        return Some(ZoneAt {
            offset_minutes: off,
            short: text.clone(),
            long: text.clone(),
            id: text,
        });
    }
    let def = ZONES.iter().find(|z| z.id.eq_ignore_ascii_case(id))?;
    let in_dst = match def.dst {
        Dst::None => false,
        Dst::Us => {
            let year =
                civil_from_days((utc_ms + def.std_minutes * 60_000).div_euclid(86_400_000)).0;
            let start_local =
                days_from_civil(year, 3, nth_sunday(year, 3, 2)) * 86_400_000 + 2 * 3_600_000;
            let end_local =
                days_from_civil(year, 11, nth_sunday(year, 11, 1)) * 86_400_000 + 3_600_000;
            let local_std = utc_ms + def.std_minutes * 60_000;
            local_std >= start_local && local_std < end_local
        }
        Dst::Eu => {
            let year = civil_from_days(utc_ms.div_euclid(86_400_000)).0;
            let start = days_from_civil(year, 3, last_sunday(year, 3)) * 86_400_000 + 3_600_000;
            let end = days_from_civil(year, 10, last_sunday(year, 10)) * 86_400_000 + 3_600_000;
            utc_ms >= start && utc_ms < end
        }
    };
    Some(ZoneAt {
        offset_minutes: def.std_minutes + if in_dst { 60 } else { 0 },
        short: (if in_dst { def.dst_short } else { def.std_short }).to_string(),
        long: (if in_dst { def.dst_long } else { def.std_long }).to_string(),
        id: def.id.to_string(),
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// ISO day of week, Monday = 1.
fn weekday(days: i64) -> i64 {
    (days + 3).rem_euclid(7) + 1
}

fn nth_sunday(year: i64, month: i64, n: i64) -> i64 {
    let first = days_from_civil(year, month, 1);
    let to_sunday = (7 - weekday(first)) % 7;
    1 + to_sunday + 7 * (n - 1)
}

fn last_sunday(year: i64, month: i64) -> i64 {
    let next = if month == 12 {
        days_from_civil(year + 1, 1, 1)
    } else {
        days_from_civil(year, month + 1, 1)
    };
    let last = next - 1;
    let back = weekday(last) % 7;
    civil_from_days(last - back).2
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] =
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

fn pad(v: i64, width: usize) -> String {
    if v < 0 { format!("-{:0width$}", -v) } else { format!("{v:0width$}") }
}

/// Formats `utc_ms` in `zone` with a Joda-Time pattern; None for an invalid
/// pattern or zone.
pub fn format(pattern: &str, utc_ms: i64, zone: &str) -> Option<String> {
    let zone = resolve_zone(zone, utc_ms)?;
    let local = utc_ms + zone.offset_minutes * 60_000;
    let days = local.div_euclid(86_400_000);
    let ms_of_day = local.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    let hour = ms_of_day / 3_600_000;
    let minute = ms_of_day / 60_000 % 60;
    let second = ms_of_day / 1000 % 60;
    let millis = ms_of_day % 1000;
    let dow = weekday(days);
    let doy = days - days_from_civil(year, 1, 1) + 1;

    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // '' is a quote; otherwise text up to the closing quote.
            if chars.get(i + 1) == Some(&'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            i += 1;
            loop {
                match chars.get(i) {
                    None => break,
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        out.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(ch) => {
                        out.push(*ch);
                        i += 1;
                    }
                }
            }
            continue;
        }
        if !c.is_ascii_alphabetic() {
            out.push(c);
            i += 1;
            continue;
        }
        let mut n = 1;
        while chars.get(i + n) == Some(&c) {
            n += 1;
        }
        i += n;
        let year_of_era = if year <= 0 { 1 - year } else { year };
        match c {
            'G' => out.push_str(if year <= 0 { "BC" } else { "AD" }),
            'C' => out.push_str(&pad(year_of_era / 100, n)),
            'y' | 'Y' | 'x' => {
                let y = if c == 'Y' { year_of_era } else { year };
                if n == 2 {
                    out.push_str(&pad(y.rem_euclid(100), 2))
                } else {
                    out.push_str(&pad(y, n))
                }
            }
            'M' => match n {
                1 | 2 => out.push_str(&pad(month, n)),
                3 => out.push_str(&MONTHS[(month - 1) as usize][..3]),
                _ => out.push_str(MONTHS[(month - 1) as usize]),
            },
            'd' => out.push_str(&pad(day, n)),
            'D' => out.push_str(&pad(doy, n)),
            'e' => out.push_str(&pad(dow, n)),
            'E' => {
                let name = DAYS[(dow - 1) as usize];
                out.push_str(if n >= 4 { name } else { &name[..3] });
            }
            'a' => out.push_str(if hour < 12 { "AM" } else { "PM" }),
            'H' => out.push_str(&pad(hour, n)),
            'k' => out.push_str(&pad(if hour == 0 { 24 } else { hour }, n)),
            'K' => out.push_str(&pad(hour % 12, n)),
            'h' => out.push_str(&pad(if hour % 12 == 0 { 12 } else { hour % 12 }, n)),
            'm' => out.push_str(&pad(minute, n)),
            's' => out.push_str(&pad(second, n)),
            'S' => {
                let ms = format!("{millis:03}");
                if n <= 3 {
                    out.push_str(&ms[..n]);
                } else {
                    out.push_str(&ms);
                    out.push_str(&"0".repeat(n - 3));
                }
            }
            'z' => out.push_str(if n >= 4 { &zone.long } else { &zone.short }),
            'Z' => match n {
                1 => out.push_str(&offset_text(zone.offset_minutes, false)),
                2 => out.push_str(&offset_text(zone.offset_minutes, true)),
                _ => out.push_str(&zone.id),
            },
            _ => return None,
        }
    }
    Some(out)
}

pub fn parse_time(a: &[Value], _: &Ctx<'_>) -> EResult {
    let (pattern, ts, zone) = match a {
        [p, t] => (p, t, None),
        [p, t, z] => (p, t, Some(z)),
        _ => return undefined(),
    };
    let Some(pattern) = pattern.to_sql_string() else { return undefined() };
    let Some(ts) = ts.to_int().and_then(|t| i64::try_from(t).ok()) else { return undefined() };
    let zone = match zone {
        Some(z) => match z.to_sql_string() {
            Some(z) => z,
            None => return undefined(),
        },
        None => "UTC".to_string(),
    };
    match format(&pattern, ts, &zone) {
        Some(s) => string(s),
        None => undefined(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guide_example_in_belize() {
        assert_eq!(
            format("yyyy.MM.dd G 'at' HH:mm:ss z", 100_000_000, "America/Belize").unwrap(),
            "1970.01.01 AD at 21:46:40 CST"
        );
    }

    #[test]
    fn calendar_round_trips() {
        for days in [-1_000_000, -1, 0, 1, 59, 365, 10_957, 19_000, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(weekday(0), 4, "1970-01-01 was a Thursday");
    }

    #[test]
    fn daylight_saving_rules() {
        // 2017-06-09T17:19:46Z
        let t = 1_497_028_786_000;
        assert_eq!(format("HH:mm z", t, "America/New_York").unwrap(), "13:19 EDT");
        assert_eq!(format("HH:mm z", t, "Europe/Berlin").unwrap(), "19:19 CEST");
        // 2017-01-09T17:19:46Z
        let w = 1_483_982_386_000;
        assert_eq!(format("HH:mm z", w, "America/New_York").unwrap(), "12:19 EST");
        assert_eq!(format("HH:mm ZZ", w, "+05:30").unwrap(), "22:49 +05:30");
        assert!(format("HH", w, "Mars/Olympus").is_none());
        assert!(format("HH q", w, "UTC").is_none());
    }

    #[test]
    fn pattern_letters() {
        let t = 1_497_028_786_123; // 2017-06-09T17:19:46.123Z, a Friday
        assert_eq!(
            format("EEEE EEE MMMM MMM M d D yy h a SSS ZZZ", t, "UTC").unwrap(),
            "Friday Fri June Jun 6 9 160 17 5 PM 123 UTC"
        );
        assert_eq!(
            format("yyyy-MM-dd'T'HH:mm:ss.SSSZZ", t, "UTC").unwrap(),
            "2017-06-09T17:19:46.123+00:00"
        );
        assert_eq!(format("''yyyy''", t, "UTC").unwrap(), "'2017'");
    }
}
