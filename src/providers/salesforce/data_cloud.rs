//! The Data Cloud (Data 360) token exchange: a core Salesforce access token for a
//! Data Cloud token at `<instance_url>/services/a360/token`, with
//! `grant_type=urn:salesforce:grant-type:external:cdp`.
//!
//! Sources: the Data Cloud Query API guide "Authenticate with the Data Cloud REST
//! API" (`c360a-direct-api-connected-app`: post to the core token's
//! `instance_url`; keep `access_token`, the tenant-specific `instance_url` and
//! `expires_in` of the answer), and Salesforce Help "Sample Exchange Access Token
//! for Data 360 Token Request and Response" (`conversation_transcript_api_sample2`:
//! the form parameters and an answer with `issued_token_type` JWT). The optional
//! `dataspace` parameter is from the Data Cloud API guides; what is inferred is
//! marked so below.

use crate::client_auth::ClientAuth;
use crate::error::{Error, InputField, refuse_control, refuse_empty};
use crate::exchange::{TokenExchange, TokenSource, TokenTypeUri};
use crate::grant::Grant;
use crate::request::TokenRequest;
use crate::response::TokenResponse;
use crate::url::EndpointUrl;

use super::identity::malformed;

/// The Data Cloud exchange's `grant_type`.
pub const DATA_CLOUD_GRANT_TYPE: &str = "urn:salesforce:grant-type:external:cdp";
/// The Data Cloud exchange's path on the org's instance.
pub const DATA_CLOUD_TOKEN_PATH: &str = "/services/a360/token";

/// The Data Cloud token request: `grant_type=urn:salesforce:grant-type:external:cdp`,
/// `subject_token` = a core Salesforce access token (read from
/// `core_access_token` each time the request is built), `subject_token_type` =
/// access token, and `dataspace` when given, posted to
/// `<instance_url>/services/a360/token` with no client authentication.
/// `instance_url` is the core token's ([`TokenInfo::instance_url`](super::TokenInfo::instance_url)).
///
/// The core token needs the `cdp_*` scopes the Data Cloud APIs ask for (and
/// `api`). *Observed by Salesforce's knowledge article 005104785*: a token from the
/// username-password flow is exchanged once only; the next attempt answers an HTML
/// page (this crate reports it as [`Error::NotJson`] or
/// [`Error::MalformedResponse`], not as a token).
///
/// ```
/// use std::time::SystemTime;
/// use ring::rand::SystemRandom;
/// use s2s_oauth::exchange::TokenSource;
/// use s2s_oauth::providers::salesforce;
/// use s2s_oauth::secret::SecurityToken;
///
/// // The core token from, say, salesforce::jwt_bearer(...).send(...)
/// let core = TokenSource::new(SecurityToken::new("00Dxx0000001gPL!AQ4AQ.core"));
/// let request = salesforce::data_cloud_token("https://acme.my.salesforce.com", core, Some("default"))?;
/// let http = request.to_http_request(SystemTime::now(), &SystemRandom::new())?;
/// assert_eq!(http.url(), "https://acme.my.salesforce.com/services/a360/token");
/// assert_eq!(
///     std::str::from_utf8(http.body()).unwrap(),
///     "grant_type=urn%3Asalesforce%3Agrant-type%3Aexternal%3Acdp\
///      &subject_token=00Dxx0000001gPL%21AQ4AQ.core\
///      &subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&dataspace=default"
/// );
/// // let answer = request.send(&s2s_oauth::agent())?;
/// // let tenant = salesforce::DataCloudToken::from_response(&answer)?;
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn data_cloud_token(
    instance_url: &str,
    core_access_token: TokenSource,
    dataspace: Option<&str>,
) -> Result<TokenRequest, Error> {
    let base = EndpointUrl::base(
        instance_url,
        "the instance_url has no query; pass the core token's instance_url, e.g. https://acme.my.salesforce.com",
    )?;
    let exchange = TokenExchange::new(core_access_token, TokenTypeUri::AccessToken)
        .with_grant_type(DATA_CLOUD_GRANT_TYPE);
    let mut request = TokenRequest::new(
        format!("{}{DATA_CLOUD_TOKEN_PATH}", base.as_str()),
        Grant::token_exchange(exchange),
        ClientAuth::none(),
    )?;
    if let Some(dataspace) = dataspace {
        refuse_empty(
            InputField::Parameter,
            dataspace.trim(),
            "the dataspace is empty; name a data space (e.g. default) or leave it out",
        )?;
        refuse_control(
            InputField::Parameter,
            dataspace,
            "the dataspace contains a control character",
        )?;
        request = request.with_param("dataspace", dataspace)?;
    }
    Ok(request)
}

/// What the Data Cloud exchange answers beyond the token: the tenant-specific
/// `instance_url` where Data Cloud API calls go. The token itself is the answer's
/// [`access_token`](TokenResponse::access_token), used as a bearer token there
/// (Salesforce's sample names it `issued_token_type` JWT: it is still the access
/// token for the Data Cloud APIs, whatever
/// [`is_access_token`](TokenResponse::is_access_token) makes of that).
///
/// ```
/// use std::time::SystemTime;
/// use s2s_oauth::{HttpResponse, TokenResponse};
/// use s2s_oauth::providers::salesforce::DataCloudToken;
///
/// let body = br#"{"access_token":"eyJ.dc.sig","instance_url":"gq2tqnjxgu.c360a.salesforce.com",
///   "token_type":"Bearer","issued_token_type":"urn:ietf:params:oauth:token-type:jwt","expires_in":7130}"#;
/// let answer = TokenResponse::parse(&HttpResponse::new(200, vec![], body.to_vec()), SystemTime::now())?;
/// let tenant = DataCloudToken::from_response(&answer)?;
/// assert_eq!(tenant.instance_url(), "https://gq2tqnjxgu.c360a.salesforce.com");
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataCloudToken {
    instance_url: String,
}

impl DataCloudToken {
    /// Reads `instance_url` from a Data Cloud exchange answer. A bare host name
    /// (how Data Cloud sends it: *observed* in answers, Salesforce's sample only says
    /// `"instance_url"`) gets `https://` in front; a URL must pass the endpoint
    /// rules (https, or http on loopback; no userinfo, query or fragment), since
    /// the token is sent there. Missing, not a string, or failing those:
    /// [`Error::MalformedResponse`].
    pub fn from_response(response: &TokenResponse) -> Result<Self, Error> {
        let raw = response
            .extra()
            .get("instance_url")
            .ok_or_else(|| malformed("the Data Cloud answer has no instance_url"))?
            .as_str()
            .ok_or_else(|| malformed("the Data Cloud answer's instance_url is not a string"))?;
        let url = if raw.contains("://") {
            raw.to_owned()
        } else {
            format!("https://{raw}")
        };
        let checked = EndpointUrl::base(&url, "the instance_url has a query").map_err(|_| {
            malformed("the Data Cloud answer's instance_url is not an https URL or host name")
        })?;
        Ok(DataCloudToken {
            instance_url: checked.into_string(),
        })
    }

    /// The tenant-specific base URL of Data Cloud API calls
    /// (`<instance_url>/api/v1/query`...), with a scheme, without a trailing slash.
    pub fn instance_url(&self) -> &str {
        &self.instance_url
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HttpResponse;
    use crate::secrets::SecurityToken;
    use std::time::SystemTime;

    fn answer(body: &str) -> TokenResponse {
        TokenResponse::parse(
            &HttpResponse::new(200, vec![], body.as_bytes().to_vec()),
            SystemTime::now(),
        )
        .unwrap()
    }

    #[test]
    fn instance_url_is_read_and_checked() {
        for (sent, read) in [
            (
                "tenant.c360a.salesforce.com",
                "https://tenant.c360a.salesforce.com",
            ),
            (
                "https://tenant.c360a.salesforce.com/",
                "https://tenant.c360a.salesforce.com",
            ),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ] {
            let body = format!(r#"{{"access_token":"t","instance_url":"{sent}"}}"#);
            assert_eq!(
                DataCloudToken::from_response(&answer(&body))
                    .unwrap()
                    .instance_url(),
                read
            );
        }
        for bad in [
            r#"{"access_token":"t"}"#,
            r#"{"access_token":"t","instance_url":7}"#,
            r#"{"access_token":"t","instance_url":"http://evil.example.com"}"#,
            r#"{"access_token":"t","instance_url":"https://u:p@x.example.com"}"#,
            r#"{"access_token":"t","instance_url":"x y"}"#,
        ] {
            assert!(
                matches!(
                    DataCloudToken::from_response(&answer(bad)),
                    Err(Error::MalformedResponse(_))
                ),
                "{bad}"
            );
        }
    }

    /// Salesforce's knowledge article 005104785: a re-used core token gets an HTML
    /// page with status 200; it is no token.
    #[test]
    fn an_html_page_is_no_token() {
        let page = HttpResponse::new(
            200,
            vec![("Content-Type".into(), "text/html;charset=UTF-8".into())],
            b"<!DOCTYPE HTML PUBLIC><html><script>function redirectOnLoad() {}</script></html>"
                .to_vec(),
        );
        let err = TokenResponse::parse(&page, SystemTime::now()).unwrap_err();
        assert!(
            matches!(err, Error::NotJson(_) | Error::MalformedResponse(_)),
            "{err:?}"
        );
    }

    #[test]
    fn request_refuses_bad_input() {
        let core = || TokenSource::new(SecurityToken::new("t"));
        assert!(data_cloud_token("http://acme.my.salesforce.com", core(), None).is_err());
        assert!(data_cloud_token("https://acme.my.salesforce.com?x=1", core(), None).is_err());
        assert!(data_cloud_token("https://acme.my.salesforce.com", core(), Some(" ")).is_err());
        assert!(data_cloud_token("https://acme.my.salesforce.com", core(), Some("a\nb")).is_err());
        let ok = data_cloud_token("https://acme.my.salesforce.com/", core(), None).unwrap();
        assert_eq!(
            ok.token_url(),
            "https://acme.my.salesforce.com/services/a360/token"
        );
        assert_eq!(ok.grant().grant_type(), DATA_CLOUD_GRANT_TYPE);
    }
}
