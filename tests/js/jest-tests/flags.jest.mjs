// Jest in ESM mode (node --experimental-vm-modules): the same tests as
// flags.jest.js, loaded with import, in jsdom, no configuration for flaglive.
import { act, createElement as h } from 'react';
import { createRoot } from 'react-dom/client';
import { evaluate, bucket } from 'flaglive';
import { FlagProvider, useFlag, useVariant } from 'flaglive/react';
import { createTestClient } from 'flaglive/testing';
import { expect, test } from '@jest/globals';
import flagTests from './flags-body.cjs';

flagTests({ act, h, createRoot, evaluate, bucket, FlagProvider, useFlag, useVariant, createTestClient, test, expect });
