import React from 'react';
import { afterEach, expect, test } from 'vitest';
import { act, cleanup, render, screen } from '@testing-library/react';
import { FlagProvider } from 'flaglive/react';
import { createTestClient } from 'flaglive/testing';
import { bucket } from 'flaglive';
import { Pricing } from './Pricing.jsx';

afterEach(cleanup);

test('renders what the flags say, and follows a change', () => {
  const flags = createTestClient({
    flags: { promo_banner: true },
    variants: { pricing_page: 'annual' },
    config: { pricing: { currency: 'EUR' } },
  });
  render(<FlagProvider client={flags}><Pricing /></FlagProvider>);
  expect(screen.getByRole('status').textContent).toBe('Spring sale');
  expect(screen.getByRole('heading').textContent).toBe('Pay yearly, save 20%');
  expect(screen.getByText('Prices in EUR')).toBeTruthy();

  act(() => flags.set({ flags: { promo_banner: false }, variants: { pricing_page: 'control' } }));
  expect(screen.queryByRole('status')).toBeNull();
  expect(screen.getByRole('heading').textContent).toBe('Monthly plans');
});

test('a rollout is evaluated by the real core for the test user', () => {
  const rollout = { enabled: true, rolloutStrategy: 'percentage', rolloutPercentage: 30 };
  for (const id of ['user-1', 'user-2', 'user-3', 'user-4', 'user-5']) {
    const flags = createTestClient({ flags: { promo_banner: rollout }, user: { id } });
    const { unmount } = render(<FlagProvider client={flags}><Pricing /></FlagProvider>);
    expect(screen.queryByRole('status') !== null).toBe(bucket(id, 'promo_banner') < 30);
    expect(flags.evaluate('promo_banner').reason).toBe('percentage_rollout');
    unmount();
  }
});

test('the client has the FlagClient interface and needs no network', async () => {
  const flags = createTestClient({ flags: { a: true } });
  await flags.ready();
  expect(flags.status).toBe('ready');
  expect(flags.isEnabled('a')).toBe(true);
  expect(flags.isEnabled('missing', true)).toBe(false); // the fallback is for before flags are loaded
  expect(flags.evaluate('missing').reason).toBe('flag_not_found');
  const heard = [];
  flags.subscribe((names) => heard.push(names));
  flags.set({ flags: { a: false, b: true } });
  expect(heard).toEqual([['a', 'b']]);
  await flags.identify();
  flags.close();
});
