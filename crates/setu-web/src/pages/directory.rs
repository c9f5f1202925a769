//! Organisations and sites: one set of list, show and edit pages serves both, since the two
//! differ only in their kinds and in a site's "run by" organisation.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use setu_core::access::{Capability, Target};
use setu_core::directory::{DirectoryForm, OrgKind, SiteKind};
use setu_core::records::{FieldSpec as F, FieldType as T};
use setu_core::validation::{FieldError, Invalid};
use setu_core::PlaceCode;
use setu_store::auth::User;
use setu_store::directory::{DirectoryFilter, Organisation, Site};
use setu_store::sealing::Reveal;
use setu_store::StoreError;

use crate::auth::{allow, can, SignedIn};
use crate::error::WebError;
use crate::page::Page;
use crate::pages::records::{self, Correctable, Kind, Located};
use crate::templates::{
    Choice, ContactRow, ContactsView, DirectoryFormPage, DirectoryList, DirectoryRow,
    DirectoryShow, FormField, Item, RenderHtml,
};
use crate::AppState;

/// Which half of the directory a request is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// `/organisations`
    Org,
    /// `/sites`
    Site,
}

impl Dir {
    fn base(self) -> &'static str {
        match self {
            Dir::Org => "/organisations",
            Dir::Site => "/sites",
        }
    }

    fn nav(self) -> &'static str {
        match self {
            Dir::Org => "organisations",
            Dir::Site => "sites",
        }
    }

    fn msg(self, suffix: &str) -> String {
        match self {
            Dir::Org => format!("org-{suffix}"),
            Dir::Site => format!("site-{suffix}"),
        }
    }

    fn kinds(self) -> Vec<&'static str> {
        match self {
            Dir::Org => OrgKind::ALL.iter().map(|k| k.as_str()).collect(),
            Dir::Site => SiteKind::ALL.iter().map(|k| k.as_str()).collect(),
        }
    }

    fn kind_label(self, page: &Page, kind: &str) -> String {
        page.t(&self.msg(&format!("kind-{kind}")))
    }

    fn kind_choices(self, page: &Page, current: &str, with_blank: bool) -> Vec<Choice> {
        let mut out = Vec::new();
        if with_blank {
            out.push(Choice {
                value: String::new(),
                label: "—".into(),
                selected: current.is_empty(),
            });
        }
        out.extend(self.kinds().into_iter().map(|k| Choice {
            value: k.to_string(),
            label: self.kind_label(page, k),
            selected: k == current,
        }));
        out
    }
}

/// What the pages need of an organisation or a site.
struct Record {
    id: i64,
    name_en: String,
    name_ne: Option<String>,
    kind: &'static str,
    place: PlaceCode,
    place_en: Option<String>,
    place_ne: Option<String>,
    organisation: Option<(i64, Option<String>, Option<String>)>,
    version: i64,
    updated_at: String,
}

impl From<Organisation> for Record {
    fn from(o: Organisation) -> Record {
        Record {
            id: o.id,
            name_en: o.name_en,
            name_ne: o.name_ne,
            kind: o.kind.as_str(),
            place: o.place,
            place_en: o.place_en,
            place_ne: o.place_ne,
            organisation: None,
            version: o.version,
            updated_at: o.updated_at,
        }
    }
}

impl From<Site> for Record {
    fn from(s: Site) -> Record {
        Record {
            id: s.id,
            name_en: s.name_en,
            name_ne: s.name_ne,
            kind: s.kind.as_str(),
            place: s.place,
            place_en: s.place_en,
            place_ne: s.place_ne,
            organisation: s
                .organisation_id
                .map(|id| (id, s.organisation_en, s.organisation_ne)),
            version: s.version,
            updated_at: s.updated_at,
        }
    }
}

impl Record {
    /// Where the record lives, for access decisions.
    fn target(&self, dir: Dir) -> Target {
        match dir {
            Dir::Org => Target {
                place: Some(self.place),
                site: None,
                organisation: Some(self.id),
            },
            Dir::Site => Target {
                place: Some(self.place),
                site: Some(self.id),
                organisation: self.organisation.as_ref().map(|o| o.0),
            },
        }
    }

    fn to_form(&self) -> DirectoryForm {
        DirectoryForm {
            name_en: self.name_en.clone(),
            name_ne: self.name_ne.clone().unwrap_or_default(),
            kind: self.kind.to_string(),
            place: self.place.to_string(),
            organisation: self
                .organisation
                .as_ref()
                .map(|o| o.0.to_string())
                .unwrap_or_default(),
            version: self.version.to_string(),
        }
    }
}

/// A record as `me` may see it: a site whose location protects people, outside `me`'s scope,
/// is not found.
async fn load(app: &AppState, me: &User, dir: Dir, id: i64) -> Result<Record, WebError> {
    Ok(match dir {
        Dir::Org => app.store.organisation(id).await?.into(),
        Dir::Site => {
            let site = app.store.site(id).await?;
            if !site.visible_to(Some(me.scope)) {
                return Err(WebError::NotFound);
            }
            site.into()
        }
    })
}

/// The query of the list pages.
#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    place: String,
}

/// `GET /organisations`, `GET /sites`
pub async fn list(
    dir: Dir,
    app: AppState,
    page: Page,
    me: User,
    q: ListQuery,
) -> Result<Html<String>, WebError> {
    let page = page.titled(&dir.msg("title"), dir.nav());
    let filter = DirectoryFilter {
        kind: Some(q.kind.clone()).filter(|k| dir.kinds().contains(&k.as_str())),
        within: q.place.trim().parse().ok(),
    };
    let records: Vec<Record> = match dir {
        Dir::Org => app
            .store
            .organisations(&filter)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
        Dir::Site => app
            .store
            .sites(&filter)
            .await?
            .into_iter()
            .filter(|s| s.visible_to(Some(me.scope)))
            .map(Into::into)
            .collect(),
    };
    let rows: Vec<DirectoryRow> = records
        .iter()
        .map(|r| DirectoryRow {
            href: format!("{}/{}", dir.base(), r.id),
            name: page.name(&Some(r.name_en.clone()), &r.name_ne),
            kind: dir.kind_label(&page, r.kind),
            place: page.name(&r.place_en, &r.place_ne),
            place_code: r.place.to_string(),
            organisation: r
                .organisation
                .as_ref()
                .map(|o| page.name(&o.1, &o.2))
                .unwrap_or_default(),
            updated: page.date(&r.updated_at),
            updated_sort: r.updated_at.clone(),
        })
        .collect();
    let count = page.num(&i64::try_from(rows.len()).unwrap_or(0));
    Ok(Html(
        DirectoryList {
            p: &page,
            base: dir.base(),
            new_label: page.t(&dir.msg("new")),
            kinds: dir.kind_choices(&page, &q.kind, false),
            place_filter: q.place,
            rows,
            count,
            show_org: dir == Dir::Site,
        }
        .render_html(),
    ))
}

/// `GET /organisations/{id}`, `GET /sites/{id}`
pub async fn show(
    dir: Dir,
    app: AppState,
    page: Page,
    me: User,
    id: i64,
    q: crate::pages::records::SavedQuery,
) -> Result<Response, WebError> {
    let r = load(&app, &me, dir, id).await?;
    render_show(
        dir,
        &app,
        page,
        &me,
        r,
        q.saved == Some(1),
        None,
        StatusCode::OK,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn render_show(
    dir: Dir,
    app: &AppState,
    page: Page,
    me: &User,
    r: Record,
    saved: bool,
    contact_error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let target = r.target(dir);
    let contacts = if dir == Dir::Org {
        contact_views(app, &page, me, &r, &target).await?
    } else {
        ContactsView::default()
    };
    let title = page.name(&Some(r.name_en.clone()), &r.name_ne);
    let page = page.with_title(title, dir.nav());
    let entity = match dir {
        Dir::Org => "organisation",
        Dir::Site => "site",
    };
    let changes = app
        .store
        .history(entity, &r.id.to_string(), &r.place.to_string(), Reveal::No)
        .await?;
    let changes = records::history(&page, &changes, |field, value| {
        let label = match field {
            "name_en" => page.t("field-name-en"),
            "name_ne" => page.t("field-name-ne"),
            "kind" => page.t("field-kind"),
            "place_code" => page.t("filter-place"),
            "organisation_id" => page.t("field-organisation"),
            other => other.to_string(),
        };
        (label, value.to_string())
    });
    let html = DirectoryShow {
        p: &page,
        changes,
        href: format!("{}/{}", dir.base(), r.id),
        can_edit: can(me, Capability::EditDirectory, Some(&target), false),
        contacts,
        contact_error,
        saved,
        name_en: r.name_en.clone(),
        name_ne: r.name_ne.clone().unwrap_or_default(),
        kind: dir.kind_label(&page, r.kind),
        place: page.name(&r.place_en, &r.place_ne),
        place_code: r.place.to_string(),
        organisation: r.organisation.as_ref().map(|o| Item {
            href: format!("/organisations/{}", o.0),
            name: page.name(&o.1, &o.2),
            kind: String::new(),
        }),
        updated: page.date(&r.updated_at),
        version: page.num(&r.version),
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// What the organisation page shows of its contacts: names and phones only to a reader who
/// may see personal data there (each view audited), titles only to everyone else.
async fn contact_views(
    app: &AppState,
    page: &Page,
    me: &User,
    r: &Record,
    target: &Target,
) -> Result<ContactsView, WebError> {
    let glass = app
        .store
        .has_glass(&me.id, "organisation", &r.id.to_string())
        .await?;
    let personal = can(me, Capability::ReadPersonal, Some(target), glass);
    let actor = me.actor();
    let reveal = if personal {
        Reveal::To(&actor)
    } else {
        Reveal::No
    };
    let list = app.store.contacts_of(r.id, reveal).await?;
    let hidden = page.t("contact-hidden");
    Ok(ContactsView {
        rows: list
            .into_iter()
            .map(|c| ContactRow {
                id: c.id,
                title: c.title,
                name: c.name.unwrap_or_else(|| hidden.clone()),
                phone: c.phone.unwrap_or_default(),
            })
            .collect(),
        revealed: personal,
        via_glass: personal && glass && !can(me, Capability::ReadPersonal, Some(target), false),
        can_add: can(me, Capability::EditDirectory, Some(target), false),
        can_break_glass: !personal && me.holds(Capability::BreakGlass),
        shown: true,
        open: can(me, Capability::ReadDirectory, Some(target), false),
    })
}

/// `GET /organisations/new`, `GET /sites/new`
pub async fn new_form(
    dir: Dir,
    app: AppState,
    page: Page,
    _me: User,
) -> Result<Response, WebError> {
    let form = DirectoryForm::default();
    render_form(dir, &app, page, None, form, None, false).await
}

/// `GET /organisations/{id}/edit`, `GET /sites/{id}/edit`
pub async fn edit_form(
    dir: Dir,
    app: AppState,
    page: Page,
    me: User,
    id: i64,
) -> Result<Response, WebError> {
    let r = load(&app, &me, dir, id).await?;
    allow(&me, Capability::EditDirectory, Some(&r.target(dir)), false)?;
    render_form(dir, &app, page, Some(id), r.to_form(), None, false).await
}

/// `POST /organisations`, `POST /sites`, `POST /…/{id}`: checks, saves and redirects to the
/// record; on a mistake or a conflict shows the form again with everything the user typed.
pub async fn save(
    dir: Dir,
    app: AppState,
    page: Page,
    me: User,
    id: Option<i64>,
    form: DirectoryForm,
) -> Result<Response, WebError> {
    // The record as it is must be in scope (404 otherwise), and so must the place it moves to.
    if let Some(id) = id {
        let current = load(&app, &me, dir, id).await?;
        allow(
            &me,
            Capability::EditDirectory,
            Some(&current.target(dir)),
            false,
        )?;
    }
    let by = me.actor();
    let out_of_scope = |place, org: Option<i64>| {
        let target = Target {
            place: Some(place),
            site: id.filter(|_| dir == Dir::Site),
            organisation: org.or(id.filter(|_| dir == Dir::Org)),
        };
        !can(&me, Capability::EditDirectory, Some(&target), false)
    };
    let scope_error = Invalid(vec![FieldError {
        field: "place",
        message: "error-place-out-of-scope",
    }]);
    let result = match dir {
        Dir::Org => match form.to_org() {
            Ok(d) if out_of_scope(d.place, None) => {
                return render_form(dir, &app, page, id, form, Some(scope_error), false).await
            }
            Ok(d) => match id {
                None => app.store.create_organisation(&by, &d).await,
                Some(id) => {
                    let v = form.base_version().ok_or(WebError::BadRequest)?;
                    app.store
                        .update_organisation(&by, id, v, &d)
                        .await
                        .map(|_| id)
                }
            },
            Err(inv) => return render_form(dir, &app, page, id, form, Some(inv), false).await,
        },
        Dir::Site => match form.to_site() {
            Ok(d) if out_of_scope(d.place, d.organisation_id) => {
                return render_form(dir, &app, page, id, form, Some(scope_error), false).await
            }
            Ok(d) => match id {
                None => app.store.create_site(&by, &d).await,
                Some(id) => {
                    let v = form.base_version().ok_or(WebError::BadRequest)?;
                    app.store.update_site(&by, id, v, &d).await.map(|_| id)
                }
            },
            Err(inv) => return render_form(dir, &app, page, id, form, Some(inv), false).await,
        },
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("{}/{}?saved=1", dir.base(), id)).into_response()),
        Err(e) => match WebError::from(e) {
            WebError::Invalid(inv) => {
                render_form(dir, &app, page, id, form, Some(inv), false).await
            }
            WebError::Conflict => render_form(dir, &app, page, id, form, None, true).await,
            other => Err(other),
        },
    }
}

async fn render_form(
    dir: Dir,
    app: &AppState,
    page: Page,
    id: Option<i64>,
    form: DirectoryForm,
    errors: Option<Invalid>,
    conflict: bool,
) -> Result<Response, WebError> {
    let title = match id {
        None => dir.msg("new"),
        Some(_) => dir.msg("edit"),
    };
    let page = page.titled(&title, dir.nav());
    let err = |field: &str| {
        errors
            .as_ref()
            .and_then(|e| e.for_field(field))
            .map(|m| page.t(m))
    };
    let text = |name, label: &str, value: &str, required, lang, hint: Option<String>| FormField {
        name,
        label: page.t(label),
        hint,
        value: value.to_string(),
        error: err(name),
        required,
        numeric: false,
        place: if name == "place" { "any" } else { "" },
        lang,
        options: Vec::new(),
        max: 200,
    };
    let mut fields = vec![
        text("name_en", "field-name-en", &form.name_en, true, "en", None),
        text(
            "name_ne",
            "field-name-ne",
            &form.name_ne,
            false,
            "ne",
            Some(page.t("field-name-ne-hint")),
        ),
        FormField {
            options: dir.kind_choices(&page, &form.kind, true),
            ..text("kind", "field-kind", &form.kind, true, "", None)
        },
        text(
            "place",
            "field-place",
            &form.place,
            true,
            "",
            Some(page.t("field-place-hint")),
        ),
    ];
    if dir == Dir::Site {
        let mut options = vec![Choice {
            value: String::new(),
            label: page.t("field-organisation-none"),
            selected: form.organisation.is_empty(),
        }];
        for o in app.store.organisations(&DirectoryFilter::default()).await? {
            let value = o.id.to_string();
            options.push(Choice {
                selected: value == form.organisation.trim(),
                label: page.name(&Some(o.name_en), &o.name_ne),
                value,
            });
        }
        fields.push(FormField {
            options,
            ..text(
                "organisation",
                "field-organisation",
                &form.organisation,
                false,
                "",
                None,
            )
        });
    }
    let (action, cancel) = match id {
        None => (dir.base().to_string(), dir.base().to_string()),
        Some(id) => (
            format!("{}/{id}", dir.base()),
            format!("{}/{id}", dir.base()),
        ),
    };
    let status = if conflict {
        StatusCode::CONFLICT
    } else if errors.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let html = DirectoryFormPage {
        p: &page,
        action,
        cancel,
        form,
        fields,
        has_errors: errors.is_some(),
        conflict,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// Route handlers, one per method and path, each naming its half of the directory.
/// A contact person of an organisation (`/contacts/{id}`): her function, and her name and
/// phone (sealed, for readers of personal data; the phone's keyed hash follows a correction).
#[derive(Debug)]
pub struct ContactRecord;

impl Correctable for ContactRecord {
    const KIND: Kind = Kind {
        entity: "contact",
        table: "contact",
        nav: "directory",
        fields: &[
            F::new("title", "contact-title", T::Text(120)).required(),
            F::new("name", "contact-name", T::Text(120))
                .required()
                .sealed(),
            F::new("phone", "contact-phone", T::Phone).sealed(),
        ],
        read: Capability::ReadDirectory,
        write: Capability::EditDirectory,
        rematch: None,
        withdrawable: true,
    };

    async fn locate(app: &AppState, page: &Page, id: &str) -> Result<Located, WebError> {
        let c = app.store.contact(id, Reveal::No).await?;
        let org = app.store.organisation(c.organisation_id).await?;
        let parent = (
            format!("/organisations/{}", org.id),
            page.name(&Some(org.name_en.clone()), &org.name_ne),
        );
        let mut at = records::placed(
            app,
            page,
            Some(c.place.to_string()),
            "contact-title",
            parent,
            format!("/contacts/{id}"),
        )
        .await?;
        at.heading = format!("{} · {}", c.title, at.parent.1);
        at.target.organisation = Some(org.id);
        Ok(at)
    }
}

pub mod routes {
    use super::*;

    fn id(raw: &str) -> Result<i64, WebError> {
        raw.parse().map_err(|_| WebError::NotFound)
    }

    macro_rules! handlers {
        ($dir:expr, $list:ident, $show:ident, $new:ident, $edit:ident, $create:ident, $update:ident) => {
            /// List.
            pub async fn $list(
                State(app): State<AppState>,
                page: Page,
                SignedIn(me): SignedIn,
                Query(q): Query<ListQuery>,
            ) -> Result<Html<String>, WebError> {
                list($dir, app, page, me, q).await
            }
            /// Show one.
            pub async fn $show(
                State(app): State<AppState>,
                page: Page,
                SignedIn(me): SignedIn,
                Path(raw): Path<String>,
                Query(q): Query<crate::pages::records::SavedQuery>,
            ) -> Result<Response, WebError> {
                show($dir, app, page, me, id(&raw)?, q).await
            }
            /// Blank form.
            pub async fn $new(
                State(app): State<AppState>,
                page: Page,
                SignedIn(me): SignedIn,
            ) -> Result<Response, WebError> {
                new_form($dir, app, page, me).await
            }
            /// Edit form.
            pub async fn $edit(
                State(app): State<AppState>,
                page: Page,
                SignedIn(me): SignedIn,
                Path(raw): Path<String>,
            ) -> Result<Response, WebError> {
                edit_form($dir, app, page, me, id(&raw)?).await
            }
            /// Create.
            pub async fn $create(
                State(app): State<AppState>,
                page: Page,
                SignedIn(me): SignedIn,
                Form(form): Form<DirectoryForm>,
            ) -> Result<Response, WebError> {
                save($dir, app, page, me, None, form).await
            }
            /// Update.
            pub async fn $update(
                State(app): State<AppState>,
                page: Page,
                SignedIn(me): SignedIn,
                Path(raw): Path<String>,
                Form(form): Form<DirectoryForm>,
            ) -> Result<Response, WebError> {
                save($dir, app, page, me, Some(id(&raw)?), form).await
            }
        };
    }

    handlers!(
        Dir::Org,
        org_list,
        org_show,
        org_new,
        org_edit,
        org_create,
        org_update
    );
    handlers!(
        Dir::Site,
        site_list,
        site_show,
        site_new,
        site_edit,
        site_create,
        site_update
    );

    /// The add-contact form.
    #[derive(Debug, Deserialize, Default)]
    pub struct ContactForm {
        #[serde(default)]
        title: String,
        #[serde(default)]
        name: String,
        #[serde(default)]
        phone: String,
    }

    /// `POST /organisations/{id}/contacts`
    pub async fn org_add_contact(
        State(app): State<AppState>,
        page: Page,
        SignedIn(me): SignedIn,
        Path(raw): Path<String>,
        Form(f): Form<ContactForm>,
    ) -> Result<Response, WebError> {
        let r = load(&app, &me, Dir::Org, id(&raw)?).await?;
        allow(
            &me,
            Capability::EditDirectory,
            Some(&r.target(Dir::Org)),
            false,
        )?;
        let mut c = setu_core::validation::Checker::default();
        let title = c.text("title", &f.title, 100);
        let name = c.text("name", &f.name, 200);
        let phone = c.optional_phone("phone", &f.phone);
        if let Err(inv) = c.finish(()) {
            let msg = inv.0.first().map(|e| page.t(e.message)).unwrap_or_default();
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_show(Dir::Org, &app, page, &me, r, false, Some(msg), status).await;
        }
        let draft = setu_store::contacts::ContactDraft { title, name, phone };
        app.store.create_contact(&me.actor(), r.id, &draft).await?;
        Ok(Redirect::to(&format!("/organisations/{}?saved=1", r.id)).into_response())
    }

    /// The break-the-glass form.
    #[derive(Debug, Deserialize, Default)]
    pub struct GlassForm {
        #[serde(default)]
        pub(crate) reason: String,
    }

    /// How long a break-the-glass grant lasts.
    pub(crate) const GLASS_MINUTES: i64 = 60;

    /// `POST /organisations/{id}/glass`: read this organisation's contacts for an hour, for
    /// the reason given (recorded, and shown to the coordinator of the place).
    pub async fn org_break_glass(
        State(app): State<AppState>,
        page: Page,
        SignedIn(me): SignedIn,
        Path(raw): Path<String>,
        Form(f): Form<GlassForm>,
    ) -> Result<Response, WebError> {
        let r = load(&app, &me, Dir::Org, id(&raw)?).await?;
        let grant = app
            .store
            .grant_glass(
                &me.actor(),
                "organisation",
                &r.id.to_string(),
                r.place,
                &f.reason,
                GLASS_MINUTES,
            )
            .await;
        match grant {
            Ok(_) => Ok(Redirect::to(&format!("/organisations/{}", r.id)).into_response()),
            Err(StoreError::Rejected(m)) => {
                let msg = page.t(m);
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                render_show(Dir::Org, &app, page, &me, r, false, Some(msg), status).await
            }
            Err(e) => Err(e.into()),
        }
    }
}
