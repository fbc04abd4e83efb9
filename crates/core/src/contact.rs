//! Someone the school contacts about a pupil: a parent, a carer, an emergency contact. The
//! admission register marks the parents a pupil lives with and their emergency numbers
//! (regulation 8(2)); letters, texts, calls and the parent portal all read these.

/// Someone to contact about a pupil.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Their name.
    pub name: String,
    /// Their relationship to the pupil ("Mother", "Grandfather", "Foster carer").
    pub relationship: String,
    /// Whether they have parental responsibility.
    pub parental_responsibility: bool,
    /// Whether the pupil normally lives with them.
    pub lives_with_pupil: bool,
    /// Whether letters go to them.
    pub correspondence: bool,
    /// How letters greet them ("Mr and Mrs Khan"); their name when none is given.
    pub salutation: Option<String>,
    /// The order to call them in: 1 first.
    pub priority: u16,
    /// Telephone numbers, the best first.
    pub phones: Vec<String>,
    /// Email address.
    pub email: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// The language they prefer.
    pub preferred_language: Option<String>,
    /// A court order restricting what they may be told or do; while set they get no messages
    /// and no access to the parent portal.
    pub court_order: Option<String>,
    /// They have asked not to be sent texts or emails.
    pub opted_out: bool,
}

impl Contact {
    /// How a letter greets them: "Mr and Mrs Khan", or their name.
    pub fn greeting(&self) -> &str {
        self.salutation
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or(&self.name)
    }

    /// Whether the school may share the pupil's attendance with them: parental
    /// responsibility, and no court order in the way.
    pub fn may_see_attendance(&self) -> bool {
        self.parental_responsibility && self.court_order.is_none()
    }
}
