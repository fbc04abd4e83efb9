//! A pupil's circumstances, as the procedures and the worklist read them.

/// A pupil's circumstances that bear on how urgently an absence is followed up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Flag {
    /// An education, health and care plan (also implied by SEN status E).
    Ehcp,
    /// Looked after (a child in care).
    LookedAfter,
    /// A child protection plan.
    ChildProtectionPlan,
    /// Has a social worker.
    SocialWorker,
    /// Child sexual exploitation.
    Cse,
    /// Child criminal exploitation (including county lines).
    Cce,
    /// A section 47 enquiry.
    Section47,
    /// Mental health linked to a risk of suicide (pupil or family).
    MentalHealthRisk,
    /// Working with an external agency.
    ExternalAgency,
    /// A family concern.
    FamilyConcern,
    /// The education welfare officer or attendance service is involved.
    EwoInvolvement,
    /// A police investigation.
    PoliceInvestigation,
    /// An individual healthcare plan, for a medical condition (statutory.md: absence for a
    /// long-term condition is recorded as illness and followed up with care).
    HealthcarePlan,
}

impl Flag {
    /// Every flag.
    pub const ALL: [Flag; 13] = [
        Flag::Ehcp,
        Flag::LookedAfter,
        Flag::ChildProtectionPlan,
        Flag::SocialWorker,
        Flag::Cse,
        Flag::Cce,
        Flag::Section47,
        Flag::MentalHealthRisk,
        Flag::ExternalAgency,
        Flag::FamilyConcern,
        Flag::EwoInvolvement,
        Flag::PoliceInvestigation,
        Flag::HealthcarePlan,
    ];

    /// The flag's name in settings and data.
    pub fn id(self) -> &'static str {
        match self {
            Flag::Ehcp => "ehcp",
            Flag::LookedAfter => "looked_after",
            Flag::ChildProtectionPlan => "cp_plan",
            Flag::SocialWorker => "social_worker",
            Flag::Cse => "cse",
            Flag::Cce => "cce",
            Flag::Section47 => "s47",
            Flag::MentalHealthRisk => "mental_health_risk",
            Flag::ExternalAgency => "external_agency",
            Flag::FamilyConcern => "family_concern",
            Flag::EwoInvolvement => "ewo_involvement",
            Flag::PoliceInvestigation => "police_investigation",
            Flag::HealthcarePlan => "healthcare_plan",
        }
    }

    /// Reads a flag's name.
    pub fn parse(text: &str) -> Option<Flag> {
        Flag::ALL.into_iter().find(|f| f.id() == text)
    }

    /// How the circumstance is named to people.
    pub fn title(self) -> &'static str {
        match self {
            Flag::Ehcp => "Education, health and care plan",
            Flag::LookedAfter => "Looked after",
            Flag::ChildProtectionPlan => "Child protection plan",
            Flag::SocialWorker => "Social worker",
            Flag::Cse => "Risk of child sexual exploitation",
            Flag::Cce => "Risk of child criminal exploitation",
            Flag::Section47 => "Section 47 enquiry",
            Flag::MentalHealthRisk => "Mental health linked to suicide risk",
            Flag::ExternalAgency => "External agency involved",
            Flag::FamilyConcern => "Family concern",
            Flag::EwoInvolvement => "Education welfare officer involved",
            Flag::PoliceInvestigation => "Police investigation",
            Flag::HealthcarePlan => "Individual healthcare plan",
        }
    }
}
