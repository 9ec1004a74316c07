// Jest's default mode: test files and their dependencies are CommonJS, in
// jsdom, with no configuration for flaglive. React without JSX, so that the
// app needs no Babel preset either.
const { act, createElement: h } = require('react');
const { createRoot } = require('react-dom/client');
const { evaluate, bucket } = require('flaglive');
const { FlagProvider, useFlag, useVariant } = require('flaglive/react');
const { createTestClient } = require('flaglive/testing');
const flagTests = require('./flags-body.cjs');

flagTests({ act, h, createRoot, evaluate, bucket, FlagProvider, useFlag, useVariant, createTestClient, test, expect });
