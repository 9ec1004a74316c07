// 10 000 flags for one user: flaglive vs GrowthBook's local evaluation on
// an equivalent feature set (same on/off, strategy, rollout percentage and
// role rule per flag; GrowthBook hashes users differently, so which flags a
// percentage rollout turns on differs, but the work is the same).
import { FlagClient } from 'flaglive';
import { GrowthBook } from '@growthbook/growthbook';

const STRATEGIES = ['all', 'percentage', 'targeted', 'none'];
const USER = { id: 'user-bench', role: 'admin' };

function snapshotText(n) {
  const flags = Array.from({ length: n }, (_, i) => ({
    id: `f${i}`, flagName: `flag_${i}`, enabled: i % 3 !== 0, rolloutStrategy: STRATEGIES[i % 4],
    rolloutPercentage: i % 101, roleTargets: i % 5 === 0 ? [{ role: 'admin', enabled: true }] : [],
  }));
  return { text: JSON.stringify({ version: 1, user: USER, flags }), flags };
}

/** The same flags as GrowthBook features (payload as its API would send it). */
function growthbookText(flags) {
  const features = {};
  for (const f of flags) {
    const role = f.roleTargets.length ? [{ condition: { role: 'admin' }, force: true }] : [];
    let feature;
    if (!f.enabled && f.rolloutStrategy !== 'targeted') feature = { defaultValue: false };
    else if (f.rolloutStrategy === 'all') feature = { defaultValue: true, rules: role };
    else if (f.rolloutStrategy === 'none') feature = { defaultValue: false, rules: role };
    else if (f.rolloutStrategy === 'targeted') feature = { defaultValue: false, rules: role };
    else feature = { defaultValue: false, rules: [...role, { force: true, coverage: f.rolloutPercentage / 100, hashAttribute: 'id' }] };
    features[f.flagName] = feature;
  }
  return JSON.stringify({ features });
}

const time = (f) => { const t = performance.now(); const r = f(); return [performance.now() - t, r]; };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export function tenThousand(n = 10_000, runs = 7) {
  const { text, flags } = snapshotText(n);
  const gbText = growthbookText(flags);
  const names = flags.map((f) => f.flagName);
  const out = { flags: n, snapshotBytes: text.length, growthbookBytes: gbText.length };
  const load = []; const readAll = []; const gbLoad = []; const gbReadAll = [];
  let onF = 0; let onG = 0;
  for (let r = 0; r < runs; r++) {
    const [tl, client] = time(() => new FlagClient({ baseUrl: '', cache: false, streaming: false, bootstrap: text }));
    const [tr, count] = time(() => { let c = 0; for (const name of names) if (client.isEnabled(name)) c++; return c; });
    load.push(tl); readAll.push(tr); onF = count;
    client.close(); client.free();
    const [gl, gb] = time(() => new GrowthBook({ features: JSON.parse(gbText).features, attributes: USER }));
    const [gr, gcount] = time(() => { let c = 0; for (const name of names) if (gb.isOn(name)) c++; return c; });
    gbLoad.push(gl); gbReadAll.push(gr); onG = gcount;
    gb.destroy();
  }
  Object.assign(out, {
    flaglive: { loadMs: median(load), evaluateAllMs: median(readAll), totalMs: median(load.map((t, i) => t + readAll[i])), on: onF },
    growthbook: { loadMs: median(gbLoad), evaluateAllMs: median(gbReadAll), totalMs: median(gbLoad.map((t, i) => t + gbReadAll[i])), on: onG },
  });
  return out;
}
