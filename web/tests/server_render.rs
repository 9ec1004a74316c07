//! The Leptos bindings off the browser, as a server render runs them: the
//! values come from the snapshot text given as the bootstrap, with no
//! request (the base URL here answers nothing), and status `Stale`; the
//! browser, given the same text, starts from the same values.
#![cfg(not(target_arch = "wasm32"))]

use flaglive_web::leptos::{provide_flags, use_config, use_flag, use_flags_status, use_variant};
use flaglive_web::{Options, Status};
use leptos::prelude::{GetUntracked, Owner};

const SNAPSHOT: &str = r#"{"version":3,"user":{"id":"u1","role":"md"},"flags":[
  {"flagName":"promo","enabled":true,"rolloutStrategy":"all"},
  {"flagName":"rollout","enabled":true,"rolloutStrategy":"percentage","rolloutPercentage":100},
  {"flagName":"pricing_annual","enabled":true,"rolloutStrategy":"all"},
  {"flagName":"off","enabled":false,"rolloutStrategy":"all"}],
  "config":{"defaults":{"limits":{"seats":5}}}}"#;

#[test]
fn a_server_render_shows_the_bootstrap_without_a_request() {
    Owner::new().with(|| {
        provide_flags(Options::new("http://127.0.0.1:9").bootstrap(SNAPSHOT));
        assert!(use_flag("promo").get_untracked());
        assert!(use_flag("rollout").get_untracked());
        assert!(!use_flag("off").get_untracked());
        assert!(!use_flag("missing").get_untracked());
        assert_eq!(use_variant("pricing", &["monthly", "annual"]).get_untracked(), "annual");
        assert_eq!(use_config::<u32>("limits.seats").get_untracked(), Some(5));
        assert_eq!(use_config::<String>("limits.seats").get_untracked(), None, "not a String");
        assert_eq!(use_flags_status().get_untracked(), Status::Stale, "shown, not known to be current");
    });
}

#[test]
fn without_a_bootstrap_it_is_loading_and_every_flag_off() {
    Owner::new().with(|| {
        provide_flags(Options::new("http://127.0.0.1:9"));
        assert!(!use_flag("promo").get_untracked());
        assert_eq!(use_variant("pricing", &["monthly", "annual"]).get_untracked(), "monthly", "the first variant");
        assert_eq!(use_flags_status().get_untracked(), Status::Loading);
    });
}

#[test]
fn a_bad_bootstrap_is_no_flags_not_a_crash() {
    Owner::new().with(|| {
        provide_flags(Options::new("").bootstrap("<html>a proxy page</html>"));
        assert!(!use_flag("promo").get_untracked());
        assert_eq!(use_flags_status().get_untracked(), Status::Loading);
    });
}
