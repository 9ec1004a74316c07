//! Identity from the app that owns the users: a JWT its backend or its
//! identity provider signed. One key source is configured (`--jwt-secret-file`,
//! `--jwt-public-key-file` or `--jwks-url`) and the accepted algorithm comes
//! from that key, never from the token's header: no `none`, and no HS256
//! token checked with an RSA public key as its secret.

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet, KeyAlgorithm};
use jsonwebtoken::{errors::ErrorKind, Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Clock skew allowed on `exp` and `nbf`.
pub const LEEWAY_SECS: u64 = 60;
/// A token naming a key the cached set lacks refetches the set, but not
/// more often than this (a flood of made-up `kid`s costs one fetch each 30 s).
pub const JWKS_REFRESH_MIN: Duration = Duration::from_secs(30);
const JWKS_TIMEOUT: Duration = Duration::from_secs(5);
const JWKS_MAX_BYTES: u64 = 1 << 20;

/// Who the token says the user is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub sub: String,
    /// `"user"` when the token has no `role`.
    pub role: String,
    pub organization_id: Option<String>,
    pub customer_id: Option<String>,
    /// Seconds since the epoch.
    pub exp: i64,
}

#[derive(Deserialize)]
struct Claims {
    /// Optional here so that a token without them is refused with the
    /// validation's own "claim missing" rather than a serde message.
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    exp: Option<f64>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    org: Option<String>,
    #[serde(default)]
    customer: Option<String>,
}

/// Why a token was refused: the `message` of the 401 `invalid_token`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused(pub String);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn refused(why: impl Into<String>) -> Refused {
    Refused(why.into())
}

enum Keys {
    /// `--jwt-secret-file` (HS256) or `--jwt-public-key-file` (RS256/ES256).
    One(DecodingKey, Algorithm),
    Jwks(Jwks),
}

struct Jwks {
    url: String,
    /// [`JWKS_REFRESH_MIN`], shorter in tests.
    refresh_min: Duration,
    cache: Mutex<JwksCache>,
    /// One fetch at a time; the others wait for its result.
    fetching: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct JwksCache {
    keys: HashMap<String, (DecodingKey, Algorithm)>,
    fetched: Option<Instant>,
    fetches: u64,
}

/// Checks tokens against the configured key, issuer and audience.
pub struct Verifier {
    keys: Keys,
    issuer: Option<String>,
    audience: Option<String>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys = match &self.keys {
            Keys::One(_, alg) => format!("{alg:?} key"),
            Keys::Jwks(j) => format!("JWKS {}", j.url),
        };
        f.debug_struct("Verifier").field("keys", &keys).field("issuer", &self.issuer).field("audience", &self.audience).finish()
    }
}

/// Where the keys come from, as the command line says.
pub enum KeySource {
    Secret(Vec<u8>),
    PublicKeyPem(Vec<u8>),
    JwksUrl(String),
}

impl Verifier {
    /// A verifier for `source`; the message says what is wrong with a key.
    pub fn new(source: KeySource, issuer: Option<String>, audience: Option<String>) -> Result<Verifier, String> {
        let keys = match source {
            KeySource::Secret(secret) => {
                let secret = trim_line_end(&secret);
                if secret.len() < 32 {
                    return Err(format!("the HS256 secret is {} bytes; it must be at least 32 (256 bits)", secret.len()));
                }
                Keys::One(DecodingKey::from_secret(secret), Algorithm::HS256)
            }
            KeySource::PublicKeyPem(pem) => match DecodingKey::from_rsa_pem(&pem) {
                Ok(key) => Keys::One(key, Algorithm::RS256),
                Err(_) => match DecodingKey::from_ec_pem(&pem) {
                    Ok(key) => Keys::One(key, Algorithm::ES256),
                    Err(_) => return Err("not an RSA or EC (P-256) public key in PEM form".into()),
                },
            },
            KeySource::JwksUrl(url) => {
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    return Err("the JWKS URL must start with https:// (or http:// on a private network)".into());
                }
                Keys::Jwks(Jwks {
                    url,
                    refresh_min: JWKS_REFRESH_MIN,
                    cache: Mutex::new(JwksCache::default()),
                    fetching: tokio::sync::Mutex::new(()),
                })
            }
        };
        Ok(Verifier { keys, issuer, audience })
    }

    /// The same verifier refetching a key set at most every `every` (tests).
    pub fn with_jwks_refresh_min(mut self, every: Duration) -> Verifier {
        if let Keys::Jwks(j) = &mut self.keys {
            j.refresh_min = every;
        }
        self
    }

    /// How many times the key set was fetched (tests, health).
    pub fn jwks_fetches(&self) -> u64 {
        match &self.keys {
            Keys::Jwks(j) => j.cache.lock().expect("not poisoned").fetches,
            Keys::One(..) => 0,
        }
    }

    /// The identity in `token`, or why it is refused.
    pub async fn verify(&self, token: &str) -> Result<Identity, Refused> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| refused(format!("not a JWT: {e}")))?;
        let (key, alg) = match &self.keys {
            Keys::One(key, alg) => (key.clone(), *alg),
            Keys::Jwks(jwks) => jwks.key(header.kid.as_deref()).await?,
        };
        if header.alg != alg {
            return Err(refused(format!("algorithm {:?} is not accepted; this server takes {alg:?}", header.alg)));
        }
        let mut validation = Validation::new(alg);
        validation.algorithms = vec![alg];
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        if let Some(issuer) = &self.issuer {
            validation.set_issuer(&[issuer]);
            validation.required_spec_claims.insert("iss".into());
        }
        match &self.audience {
            Some(audience) => {
                validation.set_audience(&[audience]);
                validation.required_spec_claims.insert("aud".into());
            }
            None => validation.validate_aud = false,
        }
        let data = jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|e| refused(reason(e.kind())))?;
        let c = data.claims;
        let (Some(sub), Some(exp)) = (c.sub, c.exp) else {
            return Err(refused("claim sub missing")); // exp is checked by the validation
        };
        let claims = [("sub", Some(&sub)), ("role", c.role.as_ref()), ("org", c.org.as_ref()), ("customer", c.customer.as_ref())];
        for (name, value) in claims {
            if let Some(value) = value {
                crate::validate::key(name, value).map_err(|e| refused(format!("claim {name}: {}", e.message)))?;
            }
        }
        Ok(Identity {
            sub,
            role: c.role.unwrap_or_else(|| "user".into()),
            organization_id: c.org,
            customer_id: c.customer,
            exp: exp as i64,
        })
    }
}

fn trim_line_end(secret: &[u8]) -> &[u8] {
    // A secret file written by `echo` ends with a newline that is not part of it.
    let mut s = secret;
    while let [rest @ .., b'\n' | b'\r'] = s {
        s = rest;
    }
    s
}

fn reason(kind: &ErrorKind) -> String {
    match kind {
        ErrorKind::ExpiredSignature => "token expired".into(),
        ErrorKind::ImmatureSignature => "token not valid yet (nbf)".into(),
        ErrorKind::InvalidSignature => "signature does not match the key".into(),
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => "algorithm not accepted".into(),
        ErrorKind::InvalidIssuer => "wrong issuer (iss)".into(),
        ErrorKind::InvalidAudience => "wrong audience (aud)".into(),
        ErrorKind::MissingRequiredClaim(claim) => format!("claim {claim} missing"),
        ErrorKind::Json(e) => format!("claims: {e}"),
        other => format!("{other:?}"),
    }
}

impl Jwks {
    /// The key named `kid` (a set of one key serves tokens without `kid`),
    /// fetching the set if it is not cached or lacks that key.
    async fn key(&self, kid: Option<&str>) -> Result<(DecodingKey, Algorithm), Refused> {
        if let Some(found) = self.cached(kid) {
            return Ok(found);
        }
        let _one_at_a_time = self.fetching.lock().await;
        if let Some(found) = self.cached(kid) {
            return Ok(found); // fetched meanwhile
        }
        let recent = self.cache.lock().expect("not poisoned").fetched.is_some_and(|t| t.elapsed() < self.refresh_min);
        if !recent {
            let url = self.url.clone();
            let fetched = tokio::task::spawn_blocking(move || fetch_jwks(&url)).await.map_err(|_| refused("key set fetch failed"))?;
            let mut cache = self.cache.lock().expect("not poisoned");
            cache.fetched = Some(Instant::now());
            cache.fetches += 1;
            match fetched {
                Ok(keys) => cache.keys = keys,
                // The old keys stay: an identity provider that is down for a
                // while does not sign everyone out.
                Err(e) => eprintln!("flaglive-server: --jwks-url {}: {e}", self.url),
            }
        }
        self.cached(kid).ok_or_else(|| match kid {
            Some(kid) => refused(format!("no key {kid:?} in the key set")),
            None => refused("the token has no kid, and the key set has more than one key"),
        })
    }

    fn cached(&self, kid: Option<&str>) -> Option<(DecodingKey, Algorithm)> {
        let cache = self.cache.lock().expect("not poisoned");
        match kid {
            Some(kid) => cache.keys.get(kid).cloned(),
            None if cache.keys.len() == 1 => cache.keys.values().next().cloned(),
            None => None,
        }
    }
}

/// GETs and reads a JWK set: its RS256 and ES256 signing keys by `kid`.
/// Blocking.
fn fetch_jwks(url: &str) -> Result<HashMap<String, (DecodingKey, Algorithm)>, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder().timeout_global(Some(JWKS_TIMEOUT)).build().into();
    let mut answer = agent.get(url).call().map_err(|e| e.to_string())?;
    let text = answer.body_mut().with_config().limit(JWKS_MAX_BYTES).read_to_string().map_err(|e| e.to_string())?;
    let set: JwkSet = serde_json::from_str(&text).map_err(|e| format!("not a JWK set: {e}"))?;
    Ok(keys_of(&set))
}

/// The usable keys of a set, by `kid`: RSA (RS256) and EC P-256 (ES256)
/// keys meant for signatures; others are skipped.
pub fn keys_of(set: &JwkSet) -> HashMap<String, (DecodingKey, Algorithm)> {
    let mut keys = HashMap::new();
    for jwk in &set.keys {
        let alg = match (&jwk.algorithm, &jwk.common.key_algorithm) {
            (AlgorithmParameters::RSA(_), None | Some(KeyAlgorithm::RS256)) => Algorithm::RS256,
            (AlgorithmParameters::EllipticCurve(p), None | Some(KeyAlgorithm::ES256)) if p.curve == EllipticCurve::P256 => Algorithm::ES256,
            _ => continue,
        };
        let encryption_only = matches!(jwk.common.public_key_use, Some(jsonwebtoken::jwk::PublicKeyUse::Encryption));
        let (Some(kid), false) = (&jwk.common.key_id, encryption_only) else { continue };
        if let Ok(key) = DecodingKey::from_jwk(jwk) {
            keys.insert(kid.clone(), (key, alg));
        }
    }
    keys
}
