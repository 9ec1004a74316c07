//! maria's flags in a client-side Leptos app: the values follow an admin's
//! toggle live (flaglive-web's Leptos bindings over the page's stream).
use leptos::prelude::*;
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(App);
}

#[cfg(feature = "flags")]
#[component]
fn App() -> impl IntoView {
    use flaglive_web::leptos::{provide_flags, use_config, use_flag, use_flags_status, use_variant};
    use flaglive_web::Options;

    provide_flags(Options::new(""));
    let promo = use_flag("promo_banner");
    let dashboard = use_flag("new_dashboard");
    let pricing = use_variant("pricing_page", &["control", "annual", "compact"]);
    let theme = use_config::<String>("theme");
    let status = use_flags_status();
    view! {
        <h1>"flaglive in Leptos"</h1>
        <Show when=move || promo.get()><p id="banner">"Spring sale"</p></Show>
        <p id="promo">{move || promo.get().to_string()}</p>
        <p id="dashboard">{move || dashboard.get().to_string()}</p>
        <p id="pricing">{move || pricing.get()}</p>
        <p id="theme">{move || theme.get().unwrap_or_default()}</p>
        <p id="status">{move || status.get().as_str()}</p>
    }
}

/// The same page with fixed values: the baseline of the size measurement.
#[cfg(not(feature = "flags"))]
#[component]
fn App() -> impl IntoView {
    let promo = RwSignal::new(true);
    let dashboard = RwSignal::new(false);
    let pricing = RwSignal::new("annual".to_string());
    let theme = RwSignal::new(String::new());
    let status = RwSignal::new("ready");
    view! {
        <h1>"flaglive in Leptos"</h1>
        <Show when=move || promo.get()><p id="banner">"Spring sale"</p></Show>
        <p id="promo">{move || promo.get().to_string()}</p>
        <p id="dashboard">{move || dashboard.get().to_string()}</p>
        <p id="pricing">{move || pricing.get()}</p>
        <p id="theme">{move || theme.get()}</p>
        <p id="status">{move || status.get()}</p>
    }
}
