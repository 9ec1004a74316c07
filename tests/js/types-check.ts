// Compile-only check of pkg/index.d.ts against real usage (tsc --noEmit).
// Lines marked @ts-expect-error must stay errors: the types reject them.
import init, { bucket, chooseVariant, evaluate, initSync, type Evaluation, type Reason, type SnapshotFlag } from '../../pkg/index.js';

async function usage(): Promise<void> {
  await init();
  initSync({ module: new Uint8Array() });
  const flag: SnapshotFlag = { flagName: 'new_dashboard', enabled: true, rolloutStrategy: 'percentage', rolloutPercentage: 30 };
  const e: Evaluation = evaluate(flag, { userId: 'u1', userRole: 'admin' });
  const r: Reason = e.reason;
  const missing: Evaluation = evaluate(null);
  const custom: SnapshotFlag = { flagName: 'x', enabled: false, rolloutStrategy: 'gradual', roleTargets: null, userTarget: null };
  const b: number = bucket('u1', 'new_dashboard');
  const v: 'control' | 'a' | undefined = chooseVariant('pricing', ['control', 'a'] as const, ['pricing_a'], 'control');
  void [r, missing, custom, b, v];

  // @ts-expect-error flagName is required
  evaluate({ enabled: true });
  // @ts-expect-error reasons are a closed set
  const bad: Reason = 'enabled';
  // @ts-expect-error the default variant must be one of the variants' type
  chooseVariant('pricing', ['control', 'a'] as const, [], 'b');
  // @ts-expect-error bucket takes strings
  bucket(42, 'f');
  void bad;
}
void usage;
