import { Router } from 'express';
import type { AppContext } from '../context.ts';

/** The webhook routes of DESIGN §4 (Clay, RB2B, Instantly) and /metrics. */
export function createWebhookRouter(_ctx: AppContext): Router {
  return Router();
}
