//! `GET /api/openapi.json`: the OpenAPI 3.1 document of the API, made from the handlers'
//! `#[utoipa::path]` attributes and the contract's wire types, so it cannot drift from
//! what is served (operations.md). No docs page: nothing here loads a script.

use idance_contract::{ErrorBody, ErrorCode};
use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

/// The parts of the document no handler owns: info, tags, the error body and the
/// bearer scheme. Paths come from the router (see `routes::router`).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "iDance upload API",
        description = "Sessions, presigned S3 uploads (single PUT and multipart with resume) \
                       and files of the iDance platform. Errors are `{\"detail\", \"code\"}`.",
    ),
    components(schemas(ErrorBody, ErrorCode)),
    modifiers(&BearerScheme),
    tags(
        (name = "service", description = "What the server speaks, and its health"),
        (name = "sessions", description = "Teaching sessions: start and complete"),
        (name = "uploads", description = "Part A: one presigned PUT per file"),
        (name = "multipart", description = "Part B: multipart uploads that resume"),
        (name = "files", description = "Stored files of the caller's sessions"),
        (name = "accounts", description = "Part C: sign-in with email and password, renewing tokens"),
        (name = "library", description = "Part D: the caller's sessions, listed, renamed and deleted"),
    ),
)]
pub struct ApiDoc;

/// The two shapes of the files route, which axum serves as one wildcard route.
#[derive(OpenApi)]
#[openapi(
    paths(crate::routes::files::delete, crate::routes::files::download_url),
    modifiers(&KeyParameter)
)]
pub struct FilesDoc;

/// The `{file_key}` parameter has the key layout's pattern (utoipa's `params` takes a
/// type, not a schema).
struct KeyParameter;

impl Modify for KeyParameter {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        for item in doc.paths.paths.values_mut() {
            let ops = [&mut item.get, &mut item.delete];
            for op in ops.into_iter().flatten() {
                for p in op.parameters.iter_mut().flatten() {
                    if let utoipa::openapi::RefOr::T(p) = p
                        && p.name == "file_key"
                    {
                        p.schema = Some(idance_contract::openapi::file_key().into());
                    }
                }
            }
        }
    }
}

pub const PATH: &str = "/api/openapi.json";

/// The name the handlers' `security(("bearer" = []))` refers to.
pub const BEARER: &str = "bearer";

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("An HS256 JWT whose `sub` is the user id"))
                    .build(),
            ),
        );
    }
}
