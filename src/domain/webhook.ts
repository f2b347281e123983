import { DomainError } from './domain-error.js';

/**
 * Webhook registrations: one stream per webhook. The secret arrives in the command (the
 * decider draws nothing random) and is kept in the registration event, so that every node that
 * delivers can sign, and a retried registration answers the very secret it answered first.
 */

export const webhookStreamId = (webhookId: string): string => `webhook-${webhookId}`;

/** The stream prefix of every webhook stream: these events never go out on the live feed. */
export const WEBHOOK_STREAM_PREFIX = 'webhook-';

/** Which messages a webhook wants; an absent list lets every value through. */
export interface WebhookFilter {
  readonly neighbourhoods?: readonly string[];
  readonly types?: readonly string[];
  readonly cities?: readonly string[];
}

export interface RegisterWebhook {
  readonly type: 'RegisterWebhook';
  readonly webhookId: string;
  readonly url: string;
  readonly filter: WebhookFilter;
  readonly description?: string;
  /** The signing secret, drawn by the caller. */
  readonly secret: string;
}

export interface DeleteWebhook {
  readonly type: 'DeleteWebhook';
  readonly webhookId: string;
}

export interface ResumeWebhook {
  readonly type: 'ResumeWebhook';
  readonly webhookId: string;
}

export type WebhookCommand = RegisterWebhook | DeleteWebhook | ResumeWebhook;

export interface WebhookRegistered {
  readonly type: 'WebhookRegistered';
  readonly data: {
    readonly webhookId: string;
    readonly url: string;
    readonly filter: WebhookFilter;
    readonly description?: string;
    readonly secret: string;
  };
}

export interface WebhookDeleted {
  readonly type: 'WebhookDeleted';
  readonly data: { readonly webhookId: string };
}

/** Delivery starts again after the webhook was marked failing (a no-op for a webhook that is not). */
export interface WebhookResumed {
  readonly type: 'WebhookResumed';
  readonly data: { readonly webhookId: string };
}

export type WebhookEvent = WebhookRegistered | WebhookDeleted | WebhookResumed;
export type WebhookEventType = WebhookEvent['type'];

export const WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = ['WebhookRegistered', 'WebhookDeleted', 'WebhookResumed'];

export interface WebhookState {
  readonly registered: boolean;
  readonly deleted: boolean;
}

export const initialWebhookState = (): WebhookState => ({ registered: false, deleted: false });

export function evolveWebhook(state: WebhookState, event: WebhookEvent): WebhookState {
  switch (event.type) {
    case 'WebhookRegistered':
      return { registered: true, deleted: false };
    case 'WebhookDeleted':
      return { ...state, deleted: true };
    case 'WebhookResumed':
      return state;
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function decideWebhook(command: WebhookCommand, state: WebhookState): WebhookEvent[] {
  switch (command.type) {
    case 'RegisterWebhook': {
      if (state.registered) throw new DomainError('ALREADY_EXISTS', `webhook ${command.webhookId} is already registered`);
      const { type: _type, ...data } = command;
      return [{ type: 'WebhookRegistered', data }];
    }
    case 'DeleteWebhook':
      assertLive(command.webhookId, state);
      return [{ type: 'WebhookDeleted', data: { webhookId: command.webhookId } }];
    case 'ResumeWebhook':
      assertLive(command.webhookId, state);
      return [{ type: 'WebhookResumed', data: { webhookId: command.webhookId } }];
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

/** A deleted webhook is gone: deleting or resuming it again finds nothing. */
function assertLive(webhookId: string, state: WebhookState): void {
  if (!state.registered || state.deleted) throw new DomainError('WEBHOOK_NOT_FOUND', `no webhook ${webhookId}`);
}
