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
    let theme = use_config::<String>("theme");
    let status = use_flags_status();
    view! {
        <Page
            promo=use_flag("promo_banner")
            dashboard=use_flag("new_dashboard")
            pricing=use_variant("pricing_page", &["control", "annual", "compact"])
            theme=Signal::derive(move || theme.get().unwrap_or_default())
            status=Signal::derive(move || status.get().as_str())
        />
    }
}

/// The same page on fixed values: the baseline of bench/leptos-size.
#[cfg(not(feature = "flags"))]
#[component]
fn App() -> impl IntoView {
    view! {
        <Page
            promo=RwSignal::new(true).into()
            dashboard=RwSignal::new(false).into()
            pricing=RwSignal::new("annual".to_string()).into()
            theme=RwSignal::new(String::new()).into()
            status=RwSignal::new("ready").into()
        />
    }
}

#[component]
fn Page(promo: Signal<bool>, dashboard: Signal<bool>, pricing: Signal<String>, theme: Signal<String>, status: Signal<&'static str>) -> impl IntoView {
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
