//! A/B variant choice by the server's convention (docs/protocol.md part A): test
//! `T` with variants `[v1, v2, ...]` is one flag per variant, `T_v1`, ...

/// The first variant whose flag `T_v` is enabled; if none is (or flags are
/// not loaded), `default_variant`; else the first variant. `None` only when
/// there is neither a variant nor a default.
pub fn choose_variant<'a, V: AsRef<str>>(
    test_name: &str,
    variants: &'a [V],
    default_variant: Option<&'a str>,
    mut is_enabled: impl FnMut(&str) -> bool,
) -> Option<&'a str> {
    // One buffer for every `T_v` name instead of an allocation per variant.
    let mut name = String::with_capacity(test_name.len() + 16);
    name.push_str(test_name);
    name.push('_');
    let prefix = name.len();
    for v in variants {
        name.truncate(prefix);
        name.push_str(v.as_ref());
        if is_enabled(&name) {
            return Some(v.as_ref());
        }
    }
    default_variant.or_else(|| variants.first().map(AsRef::as_ref))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_enabled_variant_wins_in_variant_order() {
        let on = ["t_b", "t_a"];
        let got = choose_variant("t", &["control", "a", "b"], None, |n| on.contains(&n));
        assert_eq!(got, Some("a"));
    }

    #[test]
    fn falls_back_to_default_then_first() {
        let none = |_: &str| false;
        assert_eq!(choose_variant("t", &["x", "y"], Some("y"), none), Some("y"));
        assert_eq!(choose_variant("t", &["x", "y"], None, none), Some("x"));
        assert_eq!(choose_variant::<&str>("t", &[], None, none), None);
        assert_eq!(choose_variant::<&str>("t", &[], Some("d"), none), Some("d"));
    }

    #[test]
    fn a_default_outside_the_variants_is_still_returned() {
        assert_eq!(choose_variant("t", &["a"], Some("z"), |_| false), Some("z"));
    }
}
