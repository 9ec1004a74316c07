//! Random admin changes of every kind, reproducible from a seed. The
//! server's convergence tests and the load test/benchmark make their
//! changes here, so they exercise the same things.

use serde_json::{json, Value};

/// xorshift64*: reproducible random numbers without a dependency.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }

    pub fn chance(&mut self) -> bool {
        self.next() % 2 == 0
    }
}

/// What changes may name: flags (existing or not), user ids, roles, and
/// config layer paths (`defaults`, `organization/ID`, `customer/ID`).
pub struct World<'a> {
    pub flags: &'a [&'a str],
    pub users: &'a [&'a str],
    pub roles: &'a [&'a str],
    pub layers: &'a [&'a str],
}

/// One admin API request. Some are invalid on purpose (a percentage out of
/// range, a flag that does not exist): the server must refuse them cleanly.
pub struct Change {
    pub method: &'static str,
    pub path: String,
    pub body: Option<Value>,
}

const STRATEGIES: &[&str] = &["all", "none", "targeted", "percentage", "gradual"];

pub fn random_change(rng: &mut Rng, world: &World) -> Change {
    let name = *rng.pick(world.flags);
    let f = format!("/api/admin/flags/{name}");
    let pct = (rng.next() % 130) as i64 - 10;
    let (method, path, body) = match rng.next() % 16 {
        0..=2 => ("POST", "/api/admin/flags".to_owned(), Some(json!({"flagName": name, "enabled": rng.chance(),
                "rolloutStrategy": rng.pick(STRATEGIES), "rolloutPercentage": pct}))),
        3 => ("PATCH", f, Some(json!({"enabled": rng.chance(), "rolloutPercentage": pct}))),
        4 => ("PATCH", f, Some(json!({"rolloutStrategy": rng.pick(STRATEGIES), "rolloutPercentage": pct}))),
        5 => ("PATCH", f, Some(json!({"description": if rng.chance() { Value::Null } else { json!("d") }}))),
        6 => ("POST", format!("{f}/toggle"), Some(json!({}))),
        7 => ("PUT", format!("{f}/rollout"), Some(json!({"rolloutPercentage": pct}))),
        8 => ("DELETE", f, None),
        9..=11 => {
            let path = format!("{f}/user-targets/{}", rng.pick(world.users));
            if rng.chance() { ("PUT", path, Some(json!({"enabled": rng.chance()}))) } else { ("DELETE", path, None) }
        }
        12..=14 => {
            let path = format!("{f}/role-targets/{}", rng.pick(world.roles));
            if rng.chance() { ("PUT", path, Some(json!({"enabled": rng.chance()}))) } else { ("DELETE", path, None) }
        }
        _ => {
            let path = format!("/api/admin/config/{}", rng.pick(world.layers));
            if rng.chance() {
                ("PUT", path, Some(json!({"value": {"n": rng.next() % 5, "deep": {"x": rng.chance()}}})))
            } else {
                ("DELETE", path, None)
            }
        }
    };
    Change { method, path, body }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_gives_the_same_changes_and_every_kind_occurs() {
        let world = World { flags: &["a"], users: &["u"], roles: &["r"], layers: &["defaults"] };
        let run = |seed| {
            let mut rng = Rng(seed);
            (0..400).map(|_| random_change(&mut rng, &world)).map(|c| (c.method, c.path)).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        let changes = run(7);
        for needle in ["/toggle", "/rollout", "/user-targets/u", "/role-targets/r", "/api/admin/config/defaults"] {
            assert!(changes.iter().any(|(_, p)| p.ends_with(needle)), "{needle}");
        }
        for method in ["POST", "PATCH", "PUT", "DELETE"] {
            assert!(changes.iter().any(|(m, _)| *m == method), "{method}");
        }
    }
}
