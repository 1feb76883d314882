import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import type { DecisionResult } from '../core/approvals.ts';
import { who } from '../bot/format.ts';

export type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;
export type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

const buttonValueSchema = z.object({ id: z.string().min(1).max(500), hash: z.string().regex(/^[a-f0-9]{64}$/) });

/** The approval id and content hash an Approve/Reject/Edit button (or the edit modal) carries. */
export function parseButtonValue(raw: string | undefined): z.infer<typeof buttonValueSchema> | null {
  if (!raw) return null;
  try {
    const parsed = buttonValueSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Why a decision did not apply, in words for the person who clicked. */
export function explainRefusedDecision(result: Exclude<DecisionResult, { ok: true }>): string {
  switch (result.reason) {
    case 'already_decided':
      return `This email was already ${result.approval.status} by ${who(result.approval.decided_by)}; nothing changed.`;
    case 'stale':
      return 'This email changed after this card was shown; nothing changed. Look at the updated card.';
    case 'not_found':
      return 'This approval no longer exists.';
  }
}
