// Runs every case of evaluation-vectors.json through flaglive's public JS
// API. Shared by the Node test and the in-page Chromium test so both check
// the same thing against the same built package.

// The vectors hold the server's storage model (all user targets of a flag);
// `evaluate` takes the snapshot shape (docs/protocol.md part C), where a flag
// carries only the evaluated user's own target (the first match).
export function snapshotFlag(c) {
  if (c.flag === null) return null;
  const flag = { ...c.flag, roleTargets: c.roleTargets };
  const uid = c.context.userId;
  const own = typeof uid === 'string' ? c.userTargets.find((t) => t.userId === uid) : undefined;
  if (own) flag.userTarget = { enabled: own.enabled };
  return flag;
}

export function checkVectors(api, vectors) {
  const result = { passed: 0, failed: 0, failures: [], counts: {} };
  const check = (section, ok, detail) => {
    result.counts[section] = (result.counts[section] ?? 0) + 1;
    if (ok) result.passed++;
    else {
      result.failed++;
      if (result.failures.length < 10) result.failures.push({ section, ...detail });
    }
  };
  for (const c of vectors.hashes) {
    const got = api.bucket(c.userId, c.flagName);
    check('hashes', got === c.bucket, { case: c, got });
  }
  for (const c of vectors.evaluations) {
    const got = api.evaluate(snapshotFlag(c), c.context);
    const ok = got.enabled === c.expected.enabled && got.reason === c.expected.reason;
    check('evaluations', ok, { case: c, got });
  }
  for (const c of vectors.abTests) {
    const got = api.chooseVariant(c.testName, c.variants, c.enabledFlags, c.defaultVariant);
    check('abTests', got === c.expected, { case: c, got });
  }
  return result;
}

// Bad input must throw a TypeError that says what is wrong, and leave the
// module usable. Returns a list of problems (empty when all is well).
export function checkBadInput(api) {
  const problems = [];
  const expectTypeError = (label, fn, mustContain) => {
    try {
      fn();
      problems.push(`${label}: did not throw`);
    } catch (e) {
      if (!(e instanceof TypeError)) problems.push(`${label}: threw ${e?.constructor?.name}, not TypeError`);
      else if (!String(e.message).includes(mustContain)) problems.push(`${label}: message "${e.message}" lacks "${mustContain}"`);
    }
  };
  expectTypeError('flag without flagName', () => api.evaluate({ enabled: true }), 'field `flagName`: missing');
  expectTypeError('enabled as string', () => api.evaluate({ flagName: 'f', enabled: 'yes' }), 'field `enabled`: wrong type, found a string');
  expectTypeError('flag as array', () => api.evaluate([1, 2]), 'expected an object, found an array');
  expectTypeError('roleTargets of numbers', () => api.evaluate({ flagName: 'f', enabled: true, roleTargets: [1] }), 'roleTargets');
  expectTypeError('numeric userId', () => api.evaluate({ flagName: 'f', enabled: true }, { userId: 42 }), 'invalid context');
  expectTypeError('bucket(number)', () => api.bucket(42, 'f'), 'userId must be a string');
  expectTypeError('variants not array', () => api.chooseVariant('t', 'a,b', []), 'variants: string[]');
  expectTypeError('defaultVariant number', () => api.chooseVariant('t', ['a'], [], 3), 'defaultVariant');
  const after = api.evaluate({ flagName: 'f', enabled: true, rolloutStrategy: 'all' }, {});
  if (after.enabled !== true || after.reason !== 'strategy_all') problems.push(`module unusable after errors: ${JSON.stringify(after)}`);
  return problems;
}
