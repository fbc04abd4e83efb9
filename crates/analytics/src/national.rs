//! The DfE's published national figures (`data/national.toml`), kept as data with each
//! figure's release, address and date; a school is compared with its own phase's figure, and a
//! figure the DfE has not published is said to be "not published", never filled in.

use jiff::civil::Date;
use rollcall_core::Phase;
use serde::Deserialize;

/// The file, built in.
const PUBLISHED: &str = include_str!("../../../data/national.toml");

/// A measure the DfE publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Overall absence: absence sessions ÷ possible sessions.
    OverallAbsence,
    /// Authorised absence rate.
    AuthorisedAbsence,
    /// Unauthorised absence rate.
    UnauthorisedAbsence,
    /// Persistent absence: enrolments missing 10% or more ÷ enrolments.
    PersistentAbsence,
    /// Severe absence: enrolments missing 50% or more ÷ enrolments.
    SevereAbsence,
}

impl Measure {
    fn id(self) -> &'static str {
        match self {
            Measure::OverallAbsence => "overall_absence",
            Measure::AuthorisedAbsence => "authorised_absence",
            Measure::UnauthorisedAbsence => "unauthorised_absence",
            Measure::PersistentAbsence => "persistent_absence",
            Measure::SevereAbsence => "severe_absence",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    release: Vec<RawRelease>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRelease {
    title: String,
    period: String,
    url: String,
    released: toml::value::Datetime,
    figures: Vec<RawFigure>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFigure {
    measure: String,
    phase: String,
    percent: String,
}

/// A release of national statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// Its title.
    pub title: String,
    /// The period its figures cover.
    pub period: String,
    /// Where it is published.
    pub url: String,
    /// When.
    pub released: Date,
    figures: Vec<(String, String, u64)>,
}

/// A national figure with where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure<'a> {
    /// The percentage in hundredths (7.1% is 710).
    pub hundredths: u64,
    /// The phase it is for: the school's, or all schools.
    pub phase: &'static str,
    /// The release.
    pub release: &'a Release,
}

impl Figure<'_> {
    /// The percentage as published.
    pub fn percent(&self) -> String {
        format!("{}.{:02}", self.hundredths / 100, self.hundredths % 100)
    }

    /// The attendance an overall absence rate implies: 100% less it, from the same release.
    /// The DfE publishes absence, not attendance (statutory.md §5.1).
    pub fn attendance(&self) -> Self {
        Figure {
            hundredths: 10_000u64.saturating_sub(self.hundredths),
            ..self.clone()
        }
    }
}

/// The national figures held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct National {
    releases: Vec<Release>,
}

/// A percentage written with at most two decimal places, in hundredths.
fn hundredths(text: &str) -> Option<u64> {
    let (whole, part) = text.split_once('.').unwrap_or((text, ""));
    if part.len() > 2 || whole.is_empty() {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let part: u64 = format!("{part:0<2}").parse().ok()?;
    (whole <= 100).then_some(whole * 100 + part)
}

impl National {
    /// The figures in `data/national.toml`.
    pub fn published() -> Result<National, String> {
        National::read(PUBLISHED)
    }

    /// Reads a file of releases; every figure is checked.
    pub fn read(text: &str) -> Result<National, String> {
        let raw: RawFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut releases = Vec::new();
        for r in raw.release {
            let released: Date = r
                .released
                .to_string()
                .parse()
                .map_err(|e| format!("{}: released: {e}", r.title))?;
            if !r.url.starts_with("https://") {
                return Err(format!("{}: the source is an https address", r.title));
            }
            let mut figures = Vec::new();
            for f in r.figures {
                let known_measure = [
                    Measure::OverallAbsence,
                    Measure::AuthorisedAbsence,
                    Measure::UnauthorisedAbsence,
                    Measure::PersistentAbsence,
                    Measure::SevereAbsence,
                ]
                .iter()
                .any(|m| m.id() == f.measure);
                let known_phase = f.phase == "all" || Phase::parse(&f.phase).is_some();
                let value = hundredths(&f.percent);
                match (known_measure, known_phase, value) {
                    (true, true, Some(v)) => figures.push((f.measure, f.phase, v)),
                    _ => {
                        return Err(format!(
                            "{}: {} for {} = {:?} is not a known measure, phase and percentage",
                            r.title, f.measure, f.phase, f.percent
                        ));
                    }
                }
            }
            releases.push(Release {
                title: r.title,
                period: r.period,
                url: r.url,
                released,
                figures,
            });
        }
        releases.sort_by_key(|r| std::cmp::Reverse(r.released));
        Ok(National { releases })
    }

    /// The newest published figure of a measure for a phase (all schools when the school has
    /// none set); `None` when the DfE has not published one.
    pub fn figure(&self, measure: Measure, phase: Option<Phase>) -> Option<Figure<'_>> {
        let phase_id = phase.map_or("all", Phase::id);
        self.releases.iter().find_map(|release| {
            release
                .figures
                .iter()
                .find(|(m, p, _)| m == measure.id() && p == phase_id)
                .map(|&(_, _, hundredths)| Figure {
                    hundredths,
                    phase: phase.map_or("all schools", Phase::title),
                    release,
                })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The file in the repository reads, and holds the 2023/24 figures of statutory.md §5.1.
    #[test]
    fn the_published_figures_read() {
        let national = National::published().unwrap();
        let primary = national
            .figure(Measure::OverallAbsence, Some(Phase::Primary))
            .unwrap();
        assert_eq!(primary.percent(), "5.50");
        assert_eq!(primary.release.released, jiff::civil::date(2025, 3, 20));
        let all = national.figure(Measure::PersistentAbsence, None).unwrap();
        assert_eq!(all.hundredths, 2000);
        // Not published for a phase: none, not a guess.
        assert!(
            national
                .figure(Measure::PersistentAbsence, Some(Phase::Primary))
                .is_none()
        );
        assert!(
            national
                .figure(Measure::OverallAbsence, Some(Phase::AlternativeProvision))
                .is_none()
        );
    }

    #[test]
    fn a_bad_figure_is_refused() {
        let file = |percent: &str, url: &str| {
            format!(
                "[[release]]\ntitle = \"t\"\nperiod = \"p\"\nurl = \"{url}\"\nreleased = 2025-03-20\n\
                 figures = [{{ measure = \"overall_absence\", phase = \"all\", percent = \"{percent}\" }}]\n"
            )
        };
        assert!(National::read(&file("7.1", "https://example.gov.uk")).is_ok());
        assert!(National::read(&file("7.123", "https://example.gov.uk")).is_err());
        assert!(National::read(&file("seven", "https://example.gov.uk")).is_err());
        assert!(National::read(&file("7.1", "ftp://example")).is_err());
    }
}
