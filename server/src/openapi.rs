//! The OpenAPI document of the JSON API, served at `/api/openapi.json` (utoipa).

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{
    activities_api, admin_api, audit_api, auth, certificates_api, communities_api, directory_api,
    documents_api, people_api, quarantine_api, review_api, volunteer_export, volunteer_signup_api,
    volunteers_api,
};

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Linli (邻里) API",
        description = "Review, reports and administration for Linli. Documents themselves sync over the automerge-repo websocket protocol at /sync."
    ),
    paths(
        auth::api::login,
        auth::api::deployment,
        auth::api::me,
        auth::api::refresh,
        auth::api::emergency_access,
        auth::api::active_grants,
        admin_api::add_org,
        audit_api::read,
        admin_api::list_orgs,
        admin_api::add_user,
        admin_api::revoke_device,
        people_api::list_users,
        people_api::list_devices,
        people_api::change_user,
        people_api::reset_password,
        people_api::disable_user,
        people_api::enable_user,
        people_api::change_org,
        people_api::list_units,
        people_api::import_users,
        people_api::import_register,
        directory_api::directory,
        review_api::list,
        review_api::resolve,
        review_api::accept,
        review_api::list_entries,
        review_api::review_entries,
        review_api::review_households,
        review_api::review_visits,
        review_api::indicators,
        communities_api::list,
        review_api::export,
        review_api::history,
        review_api::list_duplicates,
        review_api::merge_duplicate,
        review_api::merge_plan,
        review_api::dismiss_duplicate,
        review_api::undo_merge,
        review_api::list_households,
        review_api::move_household,
        review_api::list_requests,
        review_api::follow_ups,
        review_api::records,
        documents_api::list,
        quarantine_api::hand_over,
        quarantine_api::list,
        quarantine_api::accept,
        quarantine_api::dismiss,
        volunteer_signup_api::communities,
        volunteer_signup_api::sign_up,
        volunteer_signup_api::list,
        volunteer_signup_api::decide,
        volunteer_signup_api::me,
        volunteers_api::hours,
        volunteers_api::list,
        volunteers_api::summary,
        volunteer_export::registry,
        volunteer_export::hours_file,
        activities_api::create,
        activities_api::list,
        activities_api::get_one,
        activities_api::enrol,
        activities_api::withdraw,
        activities_api::key,
        activities_api::attend,
        activities_api::confirm,
        certificates_api::request,
        certificates_api::list,
        certificates_api::get_one,
        certificates_api::pdf,
        certificates_api::issue,
        certificates_api::verify,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// `GET /api/openapi.json`
pub async fn document() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use utoipa::OpenApi;

    /// Every `/api/` route the router serves is described (except this document and the
    /// operator status), so the description cannot drift from the code.
    #[test]
    fn every_api_route_is_documented() {
        let router_source = include_str!("lib.rs");
        let router = &router_source[router_source.find("fn router(").expect("the router")..];
        let served: BTreeSet<String> = router
            .split('"')
            .skip(1)
            .step_by(2)
            .filter(|p| p.starts_with("/api/") && *p != "/api/openapi.json" && *p != "/api/status")
            .map(str::to_owned)
            .collect();
        let documented: BTreeSet<String> = super::ApiDoc::openapi()
            .paths
            .paths
            .keys()
            .cloned()
            .collect();
        assert!(served.len() >= 17, "{served:?}");
        assert_eq!(served, documented);
    }
}
