// Jest's default mode: test files and their dependencies are CommonJS, in
// jsdom, with no configuration for flaglive. React without JSX, so that the
// app needs no Babel preset either.
const { act, createElement: h } = require('react');
const { createRoot } = require('react-dom/client');
const { evaluate, bucket } = require('flaglive');
const { FlagProvider, useFlag, useVariant } = require('flaglive/react');
const { createTestClient } = require('flaglive/testing');

globalThis.IS_REACT_ACT_ENVIRONMENT = true;

function Page() {
  const promo = useFlag('promo_banner');
  const plan = useVariant('pricing_page', ['control', 'annual']);
  return h('p', null, `${promo ? 'promo' : 'none'} ${plan}`);
}

test('the core evaluates under require()', () => {
  expect(evaluate({ flagName: 'f', enabled: true, rolloutStrategy: 'percentage', rolloutPercentage: 100 }, { userId: 'u' }))
    .toEqual({ enabled: true, reason: 'percentage_rollout' });
  expect(bucket('user-123', 'new_dashboard')).toBe(bucket('user-123', 'new_dashboard'));
});

test('a component renders what createTestClient says and follows set()', () => {
  const flags = createTestClient({ flags: { promo_banner: true }, variants: { pricing_page: 'annual' } });
  const root = document.createElement('div');
  act(() => createRoot(root).render(h(FlagProvider, { client: flags }, h(Page))));
  expect(root.textContent).toBe('promo annual');
  act(() => flags.set({ flags: { promo_banner: false }, variants: { pricing_page: 'control' } }));
  expect(root.textContent).toBe('none control');
});
