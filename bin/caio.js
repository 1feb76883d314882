#!/usr/bin/env node
// A checkout runs the TypeScript sources through tsx, so `caio` never runs a stale build; an
// install without src/ or without tsx (the Docker image: `npm run build`, production deps only)
// runs the compiled dist/.
import { existsSync } from 'node:fs';

const src = new URL('../src/main.ts', import.meta.url);
const dist = new URL('../dist/main.js', import.meta.url);

async function tsxRegister() {
  if (!existsSync(src)) return null;
  try {
    return (await import('tsx/esm/api')).register;
  } catch (err) {
    if (existsSync(dist)) return null;
    throw err;
  }
}

const register = await tsxRegister();
if (register) {
  register();
  await import(src.href);
} else {
  await import(dist.href);
}
