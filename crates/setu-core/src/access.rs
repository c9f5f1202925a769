//! Who may do what, where: permission = role × scope.
//!
//! A role grants capabilities; a scope says where they apply: a node of the geography, a
//! site, or an organisation. The matrix below is data, listed in `docs/permissions.md` (a
//! test checks the two agree), and [`decide`] is the one function that answers every access
//! question. Storage filters lists with the same scope ([`Scope`] → SQL in `setu-store`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::geo::{PlaceCode, PlaceLevel};

/// Something a role may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// See organisations and sites (no personal data).
    ReadDirectory,
    /// Add and edit organisations and sites, and their contacts.
    EditDirectory,
    /// See counts and indicators, never names.
    ReadAggregates,
    /// See names, phone numbers and other identifying fields.
    ReadPersonal,
    /// Record and correct a committee's work: committees, members, meetings, decisions, plans,
    /// budget lines.
    WriteCommittees,
    /// Record parents' groups, their members and sessions.
    WriteParents,
    /// Record youth ambassadors, their groups and events.
    WriteYouth,
    /// Post to the NGO forum: shared alerts and the forum's log.
    WriteForum,
    /// Record at a booth: tallies and screenings (the capture page and offline sync).
    WriteBooths,
    /// Record hand-overs of people between parties, and referrals.
    WriteHandovers,
    /// Record missing-person reports and encounters (police rescues, shelter intakes).
    WriteTracing,
    /// Close a case: a missing-person report returned home, deceased or withdrawn (a status
    /// nothing leaves).
    CloseCases,
    /// Change identifying fields of a record already stored (names, phones, birth dates), as
    /// opposed to recording a new one. Only for roles that may read what they change.
    CorrectPersonal,
    /// Confirm or reject proposed matches between records.
    ConfirmMatches,
    /// Open a record outside one's scope by giving a reason ("break the glass").
    BreakGlass,
    /// See the break-the-glass accesses made inside one's scope.
    ReviewGlass,
    /// Create, disable and change user accounts.
    AdministerUsers,
    /// Read and export the audit trail.
    ReadAudit,
    /// Change reference data that scores records (the risk-indicator catalogue).
    ManageReference,
    /// Read survivors' cases held by one's organisation (issue 16): who she is, her consents.
    ReadSurvivorCases,
    /// Open survivors' cases and record their consents, for one's organisation.
    WriteSurvivorCases,
    /// Approve or decline the closure of a survivor's case (a supervisor's, never the
    /// caseworker's who asked for it).
    ApproveCaseClosure,
    /// Draft, approve (another's draft) and publish the public statistics of a district
    /// (issue 17): the coordinators'.
    PublishStatistics,
}

impl Capability {
    /// Every capability, in the order of the permissions table.
    pub const ALL: [Capability; 23] = [
        Capability::ReadDirectory,
        Capability::EditDirectory,
        Capability::ReadAggregates,
        Capability::ReadPersonal,
        Capability::WriteCommittees,
        Capability::WriteParents,
        Capability::WriteYouth,
        Capability::WriteForum,
        Capability::WriteBooths,
        Capability::WriteHandovers,
        Capability::WriteTracing,
        Capability::CloseCases,
        Capability::CorrectPersonal,
        Capability::ConfirmMatches,
        Capability::BreakGlass,
        Capability::ReviewGlass,
        Capability::AdministerUsers,
        Capability::ReadAudit,
        Capability::ManageReference,
        Capability::ReadSurvivorCases,
        Capability::WriteSurvivorCases,
        Capability::ApproveCaseClosure,
        Capability::PublishStatistics,
    ];

    /// Reads the stored form.
    pub fn parse(s: &str) -> Option<Capability> {
        Capability::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Stored and displayed form.
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::ReadDirectory => "read-directory",
            Capability::EditDirectory => "edit-directory",
            Capability::ReadAggregates => "read-aggregates",
            Capability::ReadPersonal => "read-personal",
            Capability::WriteCommittees => "write-committees",
            Capability::WriteParents => "write-parents",
            Capability::WriteYouth => "write-youth",
            Capability::WriteForum => "write-forum",
            Capability::WriteBooths => "write-booths",
            Capability::WriteHandovers => "write-handovers",
            Capability::WriteTracing => "write-tracing",
            Capability::CloseCases => "close-cases",
            Capability::CorrectPersonal => "correct-personal",
            Capability::ConfirmMatches => "confirm-matches",
            Capability::BreakGlass => "break-glass",
            Capability::ReviewGlass => "review-glass",
            Capability::AdministerUsers => "administer-users",
            Capability::ReadAudit => "read-audit",
            Capability::ManageReference => "manage-reference",
            Capability::ReadSurvivorCases => "read-survivor-cases",
            Capability::WriteSurvivorCases => "write-survivor-cases",
            Capability::ApproveCaseClosure => "approve-case-closure",
            Capability::PublishStatistics => "publish-statistics",
        }
    }
}

/// What kind of scope a role may be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScopeKind {
    /// The whole country (`NP`).
    Country,
    /// A province.
    Province,
    /// A district.
    District,
    /// A local level.
    LocalLevel,
    /// A ward.
    Ward,
    /// A site (booth, police post, shelter, ward office).
    Site,
    /// An organisation.
    Organisation,
}

impl ScopeKind {
    /// Stored and displayed form.
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeKind::Country => "country",
            ScopeKind::Province => "province",
            ScopeKind::District => "district",
            ScopeKind::LocalLevel => "local-level",
            ScopeKind::Ward => "ward",
            ScopeKind::Site => "site",
            ScopeKind::Organisation => "organisation",
        }
    }
}

macro_rules! roles {
    ($( $variant:ident = $code:literal : [$($scope:ident),*] => [$($cap:ident),*] ; )+) => {
        /// A role. Each has the capabilities and the kinds of scope listed in [`MATRIX`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum Role { $( #[doc = $code] #[serde(rename = $code)] $variant ),+ }

        /// The permission matrix: every role, the scopes it may hold, its capabilities.
        pub const MATRIX: &[RoleSpec] = &[
            $( RoleSpec {
                role: Role::$variant,
                scopes: &[$(ScopeKind::$scope),*],
                capabilities: &[$(Capability::$cap),*],
            } ),+
        ];

        impl Role {
            /// Stored and displayed form (`booth-worker`); also the suffix of its message id.
            pub fn as_str(self) -> &'static str {
                match self { $( Role::$variant => $code ),+ }
            }
        }
    };
}

/// One row of the matrix.
#[derive(Debug, Clone, Copy)]
pub struct RoleSpec {
    /// The role.
    pub role: Role,
    /// The kinds of scope it may be given.
    pub scopes: &'static [ScopeKind],
    /// What it may do inside its scope.
    pub capabilities: &'static [Capability],
}

roles! {
    SystemAdmin = "system-admin": [Country]
        => [ReadDirectory, EditDirectory, ReadAggregates, AdministerUsers, ManageReference];
    NationalCoordinator = "national-coordinator": [Country]
        => [ReadDirectory, EditDirectory, ReadAggregates, ReadPersonal, WriteCommittees, WriteParents, WriteYouth, WriteForum, WriteBooths, WriteHandovers, WriteTracing, CloseCases, CorrectPersonal, ConfirmMatches, BreakGlass, ReviewGlass, ManageReference, PublishStatistics];
    ProvinceCoordinator = "province-coordinator": [Province]
        => [ReadDirectory, EditDirectory, ReadAggregates, ReadPersonal, WriteCommittees, WriteParents, WriteYouth, WriteForum, WriteBooths, WriteHandovers, WriteTracing, CloseCases, CorrectPersonal, ConfirmMatches, BreakGlass, ReviewGlass, PublishStatistics];
    DistrictCoordinator = "district-coordinator": [District]
        => [ReadDirectory, EditDirectory, ReadAggregates, ReadPersonal, WriteCommittees, WriteParents, WriteYouth, WriteForum, WriteBooths, WriteHandovers, WriteTracing, CloseCases, CorrectPersonal, ConfirmMatches, BreakGlass, ReviewGlass, PublishStatistics];
    LcchtMemberSecretary = "lccht-member-secretary": [LocalLevel]
        => [ReadDirectory, EditDirectory, ReadAggregates, ReadPersonal, WriteCommittees, WriteParents, WriteYouth, WriteForum, WriteHandovers, WriteTracing, CloseCases, CorrectPersonal, ConfirmMatches, BreakGlass, ReviewGlass];
    LcchtMember = "lccht-member": [LocalLevel]
        => [ReadDirectory, ReadAggregates, WriteCommittees, WriteParents, WriteYouth];
    BoothWorker = "booth-worker": [Site]
        => [ReadDirectory, ReadAggregates, ReadPersonal, WriteBooths, WriteHandovers, CorrectPersonal, BreakGlass];
    PoliceFocalPerson = "police-focal-person": [Organisation]
        => [ReadDirectory, ReadAggregates, ReadPersonal, WriteForum, WriteHandovers, WriteTracing, CloseCases, CorrectPersonal, BreakGlass];
    NgoCaseworker = "ngo-caseworker": [Organisation]
        => [ReadDirectory, ReadPersonal, WriteForum, WriteHandovers, WriteTracing, CorrectPersonal, BreakGlass, ReadSurvivorCases, WriteSurvivorCases];
    NgoSupervisor = "ngo-supervisor": [Organisation]
        => [ReadDirectory, ReadAggregates, ReadPersonal, WriteForum, WriteHandovers, WriteTracing, CorrectPersonal, BreakGlass, ReadSurvivorCases, WriteSurvivorCases, ApproveCaseClosure];
    YouthAmbassador = "youth-ambassador": [Ward, LocalLevel]
        => [ReadDirectory, WriteYouth];
    ParentsGroupFacilitator = "parents-group-facilitator": [Ward, LocalLevel]
        => [ReadDirectory, WriteParents];
    Analyst = "analyst": [Country, Province, District, LocalLevel]
        => [ReadDirectory, ReadAggregates];
    Auditor = "auditor": [Country]
        => [ReadAudit];
}

impl Role {
    /// Every role, in the order of the matrix.
    pub fn all() -> impl Iterator<Item = Role> {
        MATRIX.iter().map(|s| s.role)
    }

    /// The matrix row of this role.
    pub fn spec(self) -> &'static RoleSpec {
        // Every role has exactly one row (checked by a test); the first row is never used.
        MATRIX.iter().find(|s| s.role == self).unwrap_or(&MATRIX[0])
    }

    /// Whether the role grants `cap` (somewhere).
    pub fn has(self, cap: Capability) -> bool {
        self.spec().capabilities.contains(&cap)
    }

    /// Reads the stored form.
    pub fn parse(s: &str) -> Option<Role> {
        Role::all().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a user's role applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// A node of the geography and everything inside it.
    Place(PlaceCode),
    /// One site.
    Site(i64),
    /// One organisation and the sites it runs.
    Organisation(i64),
}

impl Scope {
    /// Its kind.
    pub fn kind(self) -> ScopeKind {
        match self {
            Scope::Place(p) => match p.level() {
                PlaceLevel::Country => ScopeKind::Country,
                PlaceLevel::Province => ScopeKind::Province,
                PlaceLevel::District => ScopeKind::District,
                PlaceLevel::LocalLevel => ScopeKind::LocalLevel,
                PlaceLevel::Ward => ScopeKind::Ward,
            },
            Scope::Site(_) => ScopeKind::Site,
            Scope::Organisation(_) => ScopeKind::Organisation,
        }
    }

    /// Whether `target` lies inside this scope.
    pub fn contains(self, target: &Target) -> bool {
        match self {
            Scope::Place(scope) => target.place.is_some_and(|p| p.is_within(scope)),
            Scope::Site(id) => target.site == Some(id),
            Scope::Organisation(id) => target.organisation == Some(id),
        }
    }
}

impl fmt::Display for Scope {
    /// `NP`, `511`, `site:3`, `org:12`: the form `--scope` takes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Place(p) => write!(f, "{p}"),
            Scope::Site(id) => write!(f, "site:{id}"),
            Scope::Organisation(id) => write!(f, "org:{id}"),
        }
    }
}

/// A scope that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a scope: write a place code (NP, 5, 511, 51106, 5110619), site:ID or org:ID")]
pub struct BadScope;

impl FromStr for Scope {
    type Err = BadScope;

    fn from_str(s: &str) -> Result<Scope, BadScope> {
        let s = s.trim();
        let id = |rest: &str| rest.parse::<i64>().ok().filter(|i| *i > 0).ok_or(BadScope);
        if let Some(rest) = s.strip_prefix("site:") {
            return Ok(Scope::Site(id(rest)?));
        }
        if let Some(rest) = s.strip_prefix("org:") {
            return Ok(Scope::Organisation(id(rest)?));
        }
        s.parse().map(Scope::Place).map_err(|_| BadScope)
    }
}

/// Where a record lives: its place, and the site and organisation it belongs to (if any).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Target {
    /// The record's place.
    pub place: Option<PlaceCode>,
    /// The site it was made at or belongs to.
    pub site: Option<i64>,
    /// The organisation it belongs to (for a site: the organisation that runs it).
    pub organisation: Option<i64>,
}

/// Whether a site may be shown to a reader with `scope` (`None`: not signed in). Most sites are
/// public knowledge (a booth at a border crossing is meant to be found); a site whose location
/// protects people ([`crate::directory::SiteKind::protects_people`]) is shown only inside the
/// reader's scope.
pub fn site_visible(scope: Option<Scope>, protects_people: bool, site: &Target) -> bool {
    !protects_people || scope.is_some_and(|s| s.contains(site))
}

/// A signed-in user, as access decisions see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user's id.
    pub user_id: String,
    /// The username (for the audit trail).
    pub username: String,
    /// The role.
    pub role: Role,
    /// Where it applies.
    pub scope: Scope,
    /// When the request came with an API token narrowed to some capabilities: those (a booth
    /// phone's token may sync and nothing else). `None`: everything the role grants.
    pub limit: Option<Vec<Capability>>,
}

impl Principal {
    /// Whether this principal holds `cap` at all: their role grants it and their token, if
    /// narrowed, keeps it.
    pub fn holds(&self, cap: Capability) -> bool {
        self.role.has(cap) && self.limit.as_ref().is_none_or(|l| l.contains(&cap))
    }
}

/// The answer to an access question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead.
    Allow,
    /// The role lacks the capability: answer 403.
    Forbidden,
    /// The record is outside the scope: answer 404, revealing nothing.
    OutOfScope,
}

/// The one function that decides every access: may `who` use `cap` on `target` (or, with no
/// target, anywhere, as for a list that storage then filters by scope)? `glass` says whether
/// a live break-the-glass grant covers the target.
pub fn decide(who: &Principal, cap: Capability, target: Option<&Target>, glass: bool) -> Decision {
    if !who.holds(cap) {
        return Decision::Forbidden;
    }
    match target {
        None => Decision::Allow,
        Some(t) if who.scope.contains(t) => Decision::Allow,
        // A break-the-glass grant opens reading, never writing.
        Some(_) if glass && matches!(cap, Capability::ReadPersonal | Capability::ReadDirectory) => {
            Decision::Allow
        }
        Some(_) => Decision::OutOfScope,
    }
}

/// Checks that a role may hold a scope (a booth worker needs a site, an analyst a place…).
pub fn check_assignment(role: Role, scope: Scope) -> Result<(), &'static str> {
    if role.spec().scopes.contains(&scope.kind()) {
        Ok(())
    } else {
        Err("error-scope-for-role")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(role: Role, scope: &str) -> Principal {
        Principal {
            user_id: "u".into(),
            username: "u".into(),
            role,
            scope: scope.parse().unwrap(),
            limit: None,
        }
    }

    fn at(place: &str) -> Target {
        Target {
            place: Some(place.parse().unwrap()),
            ..Default::default()
        }
    }

    #[test]
    fn every_role_has_one_row() {
        for spec in MATRIX {
            assert_eq!(MATRIX.iter().filter(|s| s.role == spec.role).count(), 1);
            assert_eq!(Role::parse(spec.role.as_str()), Some(spec.role));
            assert!(!spec.scopes.is_empty());
        }
        assert_eq!(MATRIX.len(), 14, "thirteen roles and the NGO supervisor");
    }

    #[test]
    fn place_scopes_nest() {
        let d = who(Role::DistrictCoordinator, "511");
        assert_eq!(
            decide(&d, Capability::ReadPersonal, Some(&at("5110619")), false),
            Decision::Allow
        );
        assert_eq!(
            decide(&d, Capability::ReadPersonal, Some(&at("31206")), false),
            Decision::OutOfScope
        );
        assert_eq!(
            decide(&d, Capability::ReadPersonal, Some(&at("31206")), true),
            Decision::Allow
        );
        assert_eq!(
            decide(&d, Capability::EditDirectory, Some(&at("31206")), true),
            Decision::OutOfScope
        );
        assert_eq!(
            decide(&d, Capability::AdministerUsers, None, false),
            Decision::Forbidden
        );
    }

    #[test]
    fn a_narrowed_token_keeps_only_what_it_names_and_never_adds() {
        let mut booth = who(Role::BoothWorker, "site:3");
        booth.limit = Some(vec![Capability::WriteBooths, Capability::ManageReference]);
        assert_eq!(
            decide(&booth, Capability::WriteBooths, None, false),
            Decision::Allow
        );
        assert_eq!(
            decide(&booth, Capability::ReadPersonal, None, false),
            Decision::Forbidden
        );
        // A token cannot give what the role lacks.
        assert_eq!(
            decide(&booth, Capability::ManageReference, None, false),
            Decision::Forbidden
        );
    }

    #[test]
    fn no_role_changes_what_it_cannot_read_or_closes_what_it_cannot_record() {
        for spec in MATRIX {
            let r = spec.role;
            if r.has(Capability::CorrectPersonal) {
                assert!(r.has(Capability::ReadPersonal), "{r}");
            }
            if r.has(Capability::CloseCases) {
                assert!(r.has(Capability::WriteTracing), "{r}");
            }
            // The domains that hold people's names need read-personal to be written at all.
            for cap in [
                Capability::WriteBooths,
                Capability::WriteHandovers,
                Capability::WriteTracing,
            ] {
                if r.has(cap) {
                    assert!(r.has(Capability::ReadPersonal), "{r} has {}", cap.as_str());
                }
            }
        }
    }

    #[test]
    fn community_roles_do_their_own_work_and_nothing_else() {
        use Capability as C;
        let writes = |r: Role| -> Vec<Capability> {
            Capability::ALL
                .into_iter()
                .filter(|c| c.as_str().starts_with("write-") || *c == C::CloseCases)
                .filter(|c| r.has(*c))
                .collect()
        };
        assert_eq!(writes(Role::YouthAmbassador), [C::WriteYouth]);
        assert_eq!(writes(Role::ParentsGroupFacilitator), [C::WriteParents]);
        assert_eq!(
            writes(Role::LcchtMember),
            [C::WriteCommittees, C::WriteParents, C::WriteYouth]
        );
        assert_eq!(
            writes(Role::BoothWorker),
            [C::WriteBooths, C::WriteHandovers]
        );
        assert!(writes(Role::Analyst).is_empty() && writes(Role::Auditor).is_empty());
        assert!(writes(Role::SystemAdmin).is_empty());
    }

    #[test]
    fn analysts_never_see_personal_data_and_auditors_only_audit() {
        let a = who(Role::Analyst, "NP");
        assert_eq!(
            decide(&a, Capability::ReadPersonal, Some(&at("511")), true),
            Decision::Forbidden
        );
        assert_eq!(
            decide(&a, Capability::ReadAggregates, None, false),
            Decision::Allow
        );
        let au = who(Role::Auditor, "NP");
        assert_eq!(
            decide(&au, Capability::ReadDirectory, None, false),
            Decision::Forbidden
        );
        assert_eq!(
            decide(&au, Capability::ReadAudit, None, false),
            Decision::Allow
        );
    }

    #[test]
    fn site_and_organisation_scopes() {
        let b = who(Role::BoothWorker, "site:4");
        let booth = Target {
            place: Some("51106".parse().unwrap()),
            site: Some(4),
            organisation: Some(9),
        };
        let other = Target {
            site: Some(5),
            ..booth
        };
        assert_eq!(
            decide(&b, Capability::ReadPersonal, Some(&booth), false),
            Decision::Allow
        );
        assert_eq!(
            decide(&b, Capability::ReadPersonal, Some(&other), false),
            Decision::OutOfScope
        );
        let ngo = who(Role::NgoCaseworker, "org:9");
        assert_eq!(
            decide(&ngo, Capability::ReadPersonal, Some(&booth), false),
            Decision::Allow
        );
        assert_eq!(
            decide(&ngo, Capability::ReadPersonal, Some(&at("51106")), false),
            Decision::OutOfScope
        );
    }

    #[test]
    fn scopes_parse_and_fit_roles() {
        assert_eq!("site:3".parse::<Scope>(), Ok(Scope::Site(3)));
        assert_eq!("org:12".parse::<Scope>().unwrap().to_string(), "org:12");
        assert!("site:x".parse::<Scope>().is_err());
        assert!("nowhere".parse::<Scope>().is_err());
        assert!(check_assignment(Role::BoothWorker, "site:3".parse().unwrap()).is_ok());
        assert!(check_assignment(Role::BoothWorker, "511".parse().unwrap()).is_err());
        assert!(check_assignment(Role::YouthAmbassador, "5110619".parse().unwrap()).is_ok());
        assert!(check_assignment(Role::SystemAdmin, "511".parse().unwrap()).is_err());
    }
}

/// The permission matrix as Markdown (the tables in `docs/permissions.md`): the scopes each
/// role may hold, then, per capability, the roles that have it (a role × capability grid of
/// nineteen columns would not fit a page).
pub fn matrix_markdown() -> String {
    let mut out = String::from("| role | scope kinds |\n|---|---|\n");
    for spec in MATRIX {
        let scopes: Vec<&str> = spec.scopes.iter().map(|s| s.as_str()).collect();
        out.push_str(&format!(
            "| {} | {} |\n",
            spec.role.as_str(),
            scopes.join(", ")
        ));
    }
    out.push_str("\n| capability | roles that have it |\n|---|---|\n");
    for c in Capability::ALL {
        let roles: Vec<&str> = Role::all()
            .filter(|r| r.has(c))
            .map(|r| r.as_str())
            .collect();
        out.push_str(&format!("| {} | {} |\n", c.as_str(), roles.join(", ")));
    }
    out
}

#[cfg(test)]
mod doc_tests {
    #[test]
    fn permissions_doc_matches_the_matrix_in_code() {
        let doc = include_str!("../../../docs/permissions.md");
        let table = super::matrix_markdown();
        assert!(
            doc.contains(&table),
            "docs/permissions.md must contain exactly:\n{table}"
        );
    }
}
