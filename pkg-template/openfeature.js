// flaglive/openfeature: an OpenFeature web-SDK provider over a FlagClient.
//
//   import { OpenFeature } from '@openfeature/web-sdk';
//   import { FlagliveProvider } from 'flaglive/openfeature';
//   await OpenFeature.setProviderAndWait(new FlagliveProvider({ baseUrl }));
//   OpenFeature.getClient().getBooleanValue('new_dashboard', false);
//
// booleans are flags; strings are A/B variants (flags `${key}_${variant}`);
// objects and numbers are layered configuration at the dotted path `key`.
import { ErrorCode, OpenFeatureEventEmitter, ProviderEvents, StandardResolutionReasons } from '@openfeature/web-sdk';
import { init, FlagClient } from './index.js';
import { readsAreExposures } from './internal.js';

const REASONS = {
  flag_disabled: StandardResolutionReasons.DISABLED,
  user_targeted: StandardResolutionReasons.TARGETING_MATCH,
  role_targeted: StandardResolutionReasons.TARGETING_MATCH,
  strategy_targeted: StandardResolutionReasons.TARGETING_MATCH,
  strategy_all: StandardResolutionReasons.STATIC,
  strategy_none: StandardResolutionReasons.STATIC,
  percentage_rollout: StandardResolutionReasons.SPLIT,
  default: StandardResolutionReasons.DEFAULT,
};

// A server (a Next.js prerender, any server render) has no user session,
// page or stream: there a provider without a client of yours stays inert,
// answering defaults, and fetches nothing (a fetch outliving a prerender is
// an error in Next.js). Workers have `self`, Node has neither.
const onServer = () => typeof window === 'undefined' && typeof self === 'undefined';

export class FlagliveProvider {
  /**
   * `clientOrOptions`: a FlagClient (yours; closed by onClose only if
   * `closeClient`) or FlagClient options. `variants`: per A/B test, the
   * variant order; without it a test's variants are its flags' suffixes in
   * name order.
   */
  constructor(clientOrOptions, { variants = {}, wasm, closeClient } = {}) {
    this.metadata = { name: 'flaglive' };
    this.runsOn = 'client';
    this.events = new OpenFeatureEventEmitter();
    // Exposures: an evaluation the app made is reported after it (a string
    // is an A/B variant; a boolean only with the client's exposeFlagReads).
    this.hooks = [{ after: (hook, details) => this.exposed(hook, details) }];
    this.variants = variants;
    this.wasm = wasm;
    this.client = clientOrOptions instanceof FlagClient ? clientOrOptions : null;
    this.options = this.client ? null : clientOrOptions ?? {};
    this.ownsClient = closeClient ?? !this.client;
    this.lastStatus = undefined;
  }

  async initialize() {
    if (!this.client && onServer()) return;
    if (!this.client) {
      await init(this.wasm);
      this.client = new FlagClient(this.options);
    }
    this.off = this.client.subscribe((changed, detail) => this.onClientChange(changed, detail));
    await this.client.ready();
    this.lastStatus = this.client.status;
    this.initialized = true; // the first load is PROVIDER_READY (the SDK's), not a change
  }

  onClientChange(changed, detail) {
    if (!this.initialized) return;
    if (changed.length || detail?.config) {
      this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: [...changed] });
    }
    const status = detail?.status;
    if (!status || status === this.lastStatus) return;
    this.lastStatus = status;
    if (status === 'stale') this.events.emit(ProviderEvents.Stale, { message: this.client.lastError });
    else if (status === 'ready') this.events.emit(ProviderEvents.Ready);
    else if (status === 'error' || status === 'unauthorized') {
      this.events.emit(ProviderEvents.Error, { message: this.client.lastError, errorCode: ErrorCode.GENERAL });
    }
  }

  exposed(hook, details) {
    const c = this.client;
    if (!c || details.errorCode) return;
    if (hook.flagValueType === 'string' && details.variant !== undefined) c.expose('variant', hook.flagKey, details.variant);
    else if (hook.flagValueType === 'boolean' && readsAreExposures(c)) c.expose('flag', hook.flagKey);
  }

  /** OpenFeature's `track()`: to the client's exposure listeners. */
  track(trackingEventName, context, details) {
    this.client?.track(trackingEventName, details);
  }

  /** A new evaluation context means a new sign-in: re-read the snapshot. */
  async onContextChange() {
    await this.client?.identify();
  }

  async onClose() {
    this.off?.();
    if (this.ownsClient) this.client?.close();
  }

  notReady(defaultValue) {
    return { value: defaultValue, reason: StandardResolutionReasons.ERROR, errorCode: ErrorCode.PROVIDER_NOT_READY };
  }

  resolveBooleanEvaluation(flagKey, defaultValue) {
    if (!this.client) return this.notReady(defaultValue);
    const { enabled, reason } = this.client.detail(flagKey);
    if (reason === 'flag_not_found') {
      return { value: defaultValue, reason: StandardResolutionReasons.ERROR, errorCode: ErrorCode.FLAG_NOT_FOUND, errorMessage: `flag ${flagKey} not found` };
    }
    return { value: enabled, variant: enabled ? 'on' : 'off', reason: REASONS[reason] ?? StandardResolutionReasons.UNKNOWN, flagMetadata: { flagliveReason: reason } };
  }

  resolveStringEvaluation(flagKey, defaultValue) {
    if (!this.client) return this.notReady(defaultValue);
    const prefix = `${flagKey}_`;
    const variants = this.variants[flagKey]
      ?? Object.keys(this.client.allFlags()).filter((n) => n.startsWith(prefix)).map((n) => n.slice(prefix.length)).sort();
    if (variants.length === 0) {
      return { value: defaultValue, reason: StandardResolutionReasons.ERROR, errorCode: ErrorCode.FLAG_NOT_FOUND, errorMessage: `no variant flags ${prefix}*` };
    }
    const chosen = this.client.chooseVariant(flagKey, variants, defaultValue);
    const matched = chosen !== undefined && this.client.detail(prefix + chosen).enabled;
    return { value: chosen ?? defaultValue, variant: chosen, reason: matched ? StandardResolutionReasons.SPLIT : StandardResolutionReasons.DEFAULT };
  }

  resolveConfig(flagKey, defaultValue, type) {
    if (!this.client) return this.notReady(defaultValue);
    const found = this.client.config(flagKey);
    if (found === undefined) {
      return { value: defaultValue, reason: StandardResolutionReasons.ERROR, errorCode: ErrorCode.FLAG_NOT_FOUND, errorMessage: `no configuration at ${flagKey}` };
    }
    const actual = found.value === null ? 'null' : Array.isArray(found.value) ? 'array' : typeof found.value;
    const ok = type === 'object' ? actual === 'object' || actual === 'array' : actual === type;
    if (!ok) {
      return { value: defaultValue, reason: StandardResolutionReasons.ERROR, errorCode: ErrorCode.TYPE_MISMATCH, errorMessage: `${flagKey} is ${actual}, not ${type}` };
    }
    return { value: found.value, variant: found.source, reason: StandardResolutionReasons.STATIC, flagMetadata: { source: found.source } };
  }

  resolveNumberEvaluation(flagKey, defaultValue) {
    return this.resolveConfig(flagKey, defaultValue, 'number');
  }

  resolveObjectEvaluation(flagKey, defaultValue) {
    return this.resolveConfig(flagKey, defaultValue, 'object');
  }
}
