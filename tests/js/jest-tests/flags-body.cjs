// The tests both of Jest's modes run (flags.jest.js with require(),
// flags.jest.mjs with import): given what the test file loaded.
module.exports = function flagTests({ act, h, createRoot, evaluate, bucket, FlagProvider, useFlag, useVariant, createTestClient, test, expect }) {
  globalThis.IS_REACT_ACT_ENVIRONMENT = true;

  function Page() {
    const promo = useFlag('promo_banner');
    const plan = useVariant('pricing_page', ['control', 'annual']);
    return h('p', null, `${promo ? 'promo' : 'none'} ${plan}`);
  }

  test('the core evaluates in the test environment', () => {
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
};
