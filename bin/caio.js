#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so `caio` never runs a stale build.
import { register } from 'tsx/esm/api';

register();
await import(new URL('../src/main.ts', import.meta.url).href);
