//! Staff accounts: which passwords are accepted, how long a sign-in waits after failures, and
//! what an API token may do.
//!
//! The rules follow the National Cyber Security Centre's password guidance and OWASP's
//! authentication cheat sheet: a long password that is not a common or guessable one, no forced
//! complexity; throttling that slows a guesser without letting anyone lock another person out.

use jiff::{SignedDuration, Timestamp};

/// The fewest characters a password may have.
pub const PASSWORD_MIN: usize = 12;
/// The most characters a password may have (hashing is deliberately slow, so the input is
/// bounded).
pub const PASSWORD_MAX: usize = 128;

/// Why a password is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRefusal {
    /// Shorter than [`PASSWORD_MIN`].
    #[error("a password needs at least {PASSWORD_MIN} characters")]
    TooShort,
    /// Longer than [`PASSWORD_MAX`].
    #[error("a password can have at most {PASSWORD_MAX} characters")]
    TooLong,
    /// Common, or built from the person's own names, or otherwise quick to guess; the advice
    /// says what to change.
    #[error("that password would be quick to guess{advice}")]
    Guessable {
        /// ": " and what would make it stronger, or nothing.
        advice: String,
    },
}

/// Whether a password may be set. `context` holds words an attacker would try first: the
/// username, the person's name, the school's name.
pub fn check_password(password: &str, context: &[&str]) -> Result<(), PasswordRefusal> {
    let length = password.chars().count();
    if length < PASSWORD_MIN {
        return Err(PasswordRefusal::TooShort);
    }
    if length > PASSWORD_MAX {
        return Err(PasswordRefusal::TooLong);
    }
    // More than 10^10 guesses (zxcvbn's top score) survives an offline attack on a slow hash;
    // its dictionaries hold the common and breached passwords. It matches whole lowercase
    // words, so a name is offered word by word as well.
    let words: Vec<String> = context
        .iter()
        .flat_map(|c| std::iter::once(*c).chain(c.split_whitespace()))
        .map(str::to_lowercase)
        .collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let entropy = zxcvbn::zxcvbn(password, &words);
    if entropy.guesses_log10() >= 10.0 {
        return Ok(());
    }
    let mut advice: Vec<String> = Vec::new();
    if let Some(feedback) = entropy.feedback() {
        advice.extend(feedback.warning().map(|w| w.to_string()));
        advice.extend(feedback.suggestions().iter().map(ToString::to_string));
    }
    let advice = match advice.is_empty() {
        true => String::new(),
        false => format!(": {}", advice.join(" ")),
    };
    Err(PasswordRefusal::Guessable { advice })
}

/// Failures one address may make at one username before sign-ins from it are slowed.
pub const FREE_FAILURES: u64 = 5;
/// How long failures are remembered.
pub const FAILURE_MEMORY: SignedDuration = SignedDuration::from_hours(24);
/// The longest wait between attempts.
pub const LONGEST_WAIT: SignedDuration = SignedDuration::from_hours(1);

/// How long a sign-in to one username from one address must still wait, after `failures`
/// failures from that address in the last [`FAILURE_MEMORY`], the latest at `last`: nothing for
/// the first [`FREE_FAILURES`], then one minute after the latest, doubling with each further
/// failure up to [`LONGEST_WAIT`]. Counting per address means a guesser elsewhere slows only
/// themselves: the person can still sign in from their own computer.
pub fn sign_in_wait(failures: u64, last: Timestamp, now: Timestamp) -> Option<SignedDuration> {
    let over = failures.checked_sub(FREE_FAILURES)?;
    let minutes = 1_i64
        .checked_shl(u32::try_from(over).unwrap_or(u32::MAX))
        .filter(|m| *m > 0)
        .map_or(LONGEST_WAIT, SignedDuration::from_mins)
        .min(LONGEST_WAIT);
    let free_at = last.checked_add(minutes).unwrap_or(last);
    let wait = free_at.duration_since(now);
    wait.is_positive().then_some(wait)
}

/// What an API token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenScope {
    /// Read only: `GET` requests.
    Read,
    /// Read and change, as far as the member of staff's roles allow.
    ReadWrite,
}

impl TokenScope {
    /// Both scopes.
    pub const ALL: [TokenScope; 2] = [TokenScope::Read, TokenScope::ReadWrite];

    /// The scope's name in data and on the command line.
    pub fn id(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::ReadWrite => "read-write",
        }
    }

    /// Reads a scope's name.
    pub fn parse(text: &str) -> Option<TokenScope> {
        TokenScope::ALL.into_iter().find(|s| s.id() == text)
    }

    /// Whether a request that changes something (`write`) or only reads is within the scope.
    pub fn allows(self, write: bool) -> bool {
        self == TokenScope::ReadWrite || !write
    }
}

/// The longest an API token may be issued for.
pub const TOKEN_LONGEST: SignedDuration = SignedDuration::from_hours(24 * 366);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords() {
        let context = ["lcraven", "Lisa Craven", "Hillside Primary"];
        // (password, accepted)
        let table = [
            ("aaaaaaaaaa", false),
            ("aaaaaaaaaaaa", false),
            ("password1234", false),
            ("qwertyuiop12", false),
            ("LisaCraven2026", false),
            ("Hillside Primary 1", false),
            ("correct horse battery staple", true),
            ("tulip-orbit-canal-frost", true),
            ("Summer2026!!", false),
            ("short", false),
        ];
        for (password, accepted) in table {
            assert_eq!(
                check_password(password, &context).is_ok(),
                accepted,
                "{password}: {:?}",
                check_password(password, &context)
            );
        }
        assert_eq!(check_password("abc", &[]), Err(PasswordRefusal::TooShort));
        assert_eq!(
            check_password(&"x1".repeat(65), &[]),
            Err(PasswordRefusal::TooLong)
        );
        let Err(PasswordRefusal::Guessable { advice }) = check_password("password1234", &[]) else {
            panic!("a common password is refused");
        };
        assert!(advice.starts_with(": "), "{advice}");
    }

    #[test]
    fn back_off() {
        let last: Timestamp = "2026-12-01T09:00:00Z".parse().unwrap_or_default();
        let after = |m: i64| {
            last.checked_add(SignedDuration::from_mins(m))
                .unwrap_or(last)
        };
        // (failures, minutes after the latest, minutes still to wait)
        let table: [(u64, i64, Option<i64>); 8] = [
            (0, 0, None),
            (4, 0, None),
            (5, 0, Some(1)),
            (5, 1, None),
            (6, 0, Some(2)),
            (8, 3, Some(5)),
            (40, 0, Some(60)),
            (40, 60, None),
        ];
        for (failures, minutes, wait) in table {
            assert_eq!(
                sign_in_wait(failures, last, after(minutes)),
                wait.map(SignedDuration::from_mins),
                "{failures} failures, {minutes} minutes on"
            );
        }
    }

    #[test]
    fn scopes() {
        assert!(TokenScope::Read.allows(false));
        assert!(!TokenScope::Read.allows(true));
        assert!(TokenScope::ReadWrite.allows(true));
        for scope in TokenScope::ALL {
            assert_eq!(TokenScope::parse(scope.id()), Some(scope));
        }
    }
}
