//! A trust's targets for its schools, and the red, amber or green a school's figures earn
//! against them (seed 001: the trust's dashboard, "support and challenge"; the RAG).

use rollcall_core::Rate;

/// What a trust expects of its schools, in hundredths of a percentage point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    /// Attendance at or above this is green.
    pub attendance: u64,
    /// Persistent absence at or below this is green.
    pub persistent: u64,
    /// Within this many points of a target (on the wrong side) is amber; further is red.
    pub amber: u64,
}

/// Red, amber or green.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rag {
    /// Meets the target.
    Green,
    /// Misses it by no more than the amber margin.
    Amber,
    /// Misses it by more.
    Red,
}

impl Rag {
    /// Its name, shown beside the colour.
    pub fn name(self) -> &'static str {
        match self {
            Rag::Green => "Green",
            Rag::Amber => "Amber",
            Rag::Red => "Red",
        }
    }
}

/// Why targets were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetsError {
    /// A percentage over 100.
    #[error("{0} must be a percentage from 0 to 100")]
    OutOfRange(&'static str),
}

impl Targets {
    /// Checks that each is a percentage.
    pub fn check(&self) -> Result<(), TargetsError> {
        for (value, name) in [
            (self.attendance, "The attendance target"),
            (self.persistent, "The persistent absence target"),
            (self.amber, "The amber margin"),
        ] {
            if value > 10_000 {
                return Err(TargetsError::OutOfRange(name));
            }
        }
        Ok(())
    }

    /// Attendance against its target.
    pub fn attendance(&self, rate: Option<Rate>) -> Option<Rag> {
        let r = rate?.hundredths();
        Some(if r >= self.attendance {
            Rag::Green
        } else if r + self.amber >= self.attendance {
            Rag::Amber
        } else {
            Rag::Red
        })
    }

    /// Persistent absence against its target.
    pub fn persistent(&self, rate: Option<Rate>) -> Option<Rag> {
        let r = rate?.hundredths();
        Some(if r <= self.persistent {
            Rag::Green
        } else if r <= self.persistent + self.amber {
            Rag::Amber
        } else {
            Rag::Red
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_rated_against_the_targets() {
        let t = Targets {
            attendance: 9_600,
            persistent: 1_500,
            amber: 100,
        };
        let rate = |h: u64| Rate::new(h, 10_000);
        // (rate in hundredths, attendance's rating, persistent absence's rating)
        let table = [
            (9_600, Rag::Green, Rag::Red),
            (9_500, Rag::Amber, Rag::Red),
            (9_499, Rag::Red, Rag::Red),
            (1_500, Rag::Red, Rag::Green),
            (1_600, Rag::Red, Rag::Amber),
            (1_601, Rag::Red, Rag::Red),
        ];
        for (h, attendance, persistent) in table {
            assert_eq!(t.attendance(rate(h)), Some(attendance), "{h}");
            assert_eq!(t.persistent(rate(h)), Some(persistent), "{h}");
        }
        assert_eq!(t.attendance(None), None);
        assert!(t.check().is_ok());
        let bad = Targets {
            attendance: 10_001,
            ..t
        };
        assert_eq!(
            bad.check(),
            Err(TargetsError::OutOfRange("The attendance target"))
        );
    }
}
