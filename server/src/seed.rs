//! `--seed-demo`: demo users of every role, flags (including an A/B test),
//! and config layers, created once on an empty database.

use crate::auth::{create_user, NewUser};
use crate::db;
use crate::error::ApiError;
use crate::service::{self, Service};
use crate::{ids, time};
use flaglive::config::Layer;
use flaglive::json::Value;
use flaglive::{Flag, Strategy};

/// (username, password, role, organization, customer)
pub const DEMO_USERS: &[(&str, &str, &str, &str, &str)] = &[
    ("admin", "admin-demo", "admin", "acme", "acme-hq"),
    ("maria", "md-demo", "md", "acme", "acme-east"),
    ("tom", "tech-demo", "field-tech", "acme", "acme-west"),
    ("sara", "sales-demo", "sales", "globex", "globex-main"),
    ("sam", "sales-demo", "sales", "acme", "acme-east"),
];

/// (name, description, enabled, strategy, percentage)
const DEMO_FLAGS: &[(&str, &str, bool, &str, i64)] = &[
    ("new_dashboard", "The redesigned dashboard layout", true, "percentage", 50),
    ("promo_banner", "The seasonal promotion banner", true, "all", 0),
    ("beta_reports", "Reports beta, for chosen roles and users", false, "targeted", 0),
    ("dark_mode", "Dark theme toggle in the header", true, "all", 0),
    ("pricing_page_control", "Pricing A/B test: current page", false, "all", 0),
    ("pricing_page_annual", "Pricing A/B test: annual billing first", true, "percentage", 34),
    ("pricing_page_compact", "Pricing A/B test: compact table", true, "percentage", 50),
];

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("demo config is valid JSON")
}

/// Seeds an empty database; returns false (and changes nothing) otherwise.
pub fn seed_demo(svc: &Service) -> Result<bool, ApiError> {
    if svc.db().read(db::users::count)? > 0 {
        return Ok(false);
    }
    for &(username, password, role, org, customer) in DEMO_USERS {
        create_user(svc.db(), NewUser {
            username: username.into(),
            password: password.into(),
            role: role.into(),
            organization_id: Some(org.into()),
            customer_id: Some(customer.into()),
            id: Some(format!("user-{username}")),
        })?;
    }
    svc.write_now(&service::Actor::server(), |tx| {
        let now = time::now_iso();
        let mut drafts = Vec::new();
        for &(name, description, enabled, strategy, pct) in DEMO_FLAGS {
            let flag = Flag {
                id: Some(ids::new_id()),
                flag_name: name.into(),
                description: Some(description.into()),
                enabled,
                rollout_strategy: Strategy::parse(strategy),
                rollout_percentage: pct,
                metadata: None,
                created_at: Some(now.clone()),
                updated_at: Some(now.clone()),
                user_target: None,
                role_targets: Vec::new(),
            };
            db::flags::insert(tx, &flag)?;
            drafts.push(service::created(&flag));
            if name == "beta_reports" {
                db::flags::set_role_target(tx, flag.id.as_deref().unwrap_or_default(), "md", true)?;
                drafts.push(service::role_target(&flag, "md", None, Some(true)));
                db::flags::set_user_target(tx, flag.id.as_deref().unwrap_or_default(), "user-tom", true)?;
                drafts.push(service::user_target(&flag, "user-tom", None, Some(true)));
            }
        }
        let layers = [
            (Layer::Defaults, "", r##"{"theme":{"mode":"light","accent":"#2f6f4f"},"support":{"chat":false,"email":"help@example.com"},"limits":{"reportsPerDay":10}}"##),
            (Layer::Organization, "acme", r##"{"theme":{"accent":"#8a4b08"},"support":{"chat":true}}"##),
            (Layer::Customer, "acme-east", r##"{"limits":{"reportsPerDay":50}}"##),
        ];
        for (layer, scope, text) in layers {
            let value = json(text);
            db::config::set(tx, layer, scope, Some(&value), &now)?;
            drafts.push(service::config_changed(layer, scope, None, Some(&value), "seed", Some("demo data".into())));
        }
        Ok(((), drafts))
    })?;
    Ok(true)
}
