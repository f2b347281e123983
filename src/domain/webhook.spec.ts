import { DomainError } from './domain-error.js';
import { type WebhookCommand, type WebhookEvent, decideWebhook, evolveWebhook, initialWebhookState } from './webhook.js';

const REGISTERED: WebhookEvent = {
  type: 'WebhookRegistered',
  data: { webhookId: 'w1', url: 'https://hooks.example.org/in', filter: { cities: ['Damascus'] }, secret: 'whsec_x' },
};
const DELETED: WebhookEvent = { type: 'WebhookDeleted', data: { webhookId: 'w1' } };

function given(...events: WebhookEvent[]) {
  const state = events.reduce(evolveWebhook, initialWebhookState());
  return {
    when: (command: WebhookCommand) => ({
      then: (expected: WebhookEvent[]) => expect(decideWebhook(command, state)).toEqual(expected),
      thenThrows: (code: string) => {
        let thrown: unknown;
        try {
          decideWebhook(command, state);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(DomainError);
        expect((thrown as DomainError).code).toBe(code);
      },
    }),
  };
}

describe('webhook decider', () => {
  it('records a registration with its secret, filter and description', () => {
    given()
      .when({ type: 'RegisterWebhook', webhookId: 'w1', url: 'https://hooks.example.org/in', filter: {}, description: 'newsroom', secret: 's' })
      .then([{ type: 'WebhookRegistered', data: { webhookId: 'w1', url: 'https://hooks.example.org/in', filter: {}, description: 'newsroom', secret: 's' } }]);
  });

  it('refuses a second registration of the same id', () => {
    given(REGISTERED).when({ type: 'RegisterWebhook', webhookId: 'w1', url: 'https://a.example', filter: {}, secret: 's' }).thenThrows('ALREADY_EXISTS');
  });

  it('deletes and resumes a registered webhook', () => {
    given(REGISTERED).when({ type: 'DeleteWebhook', webhookId: 'w1' }).then([DELETED]);
    given(REGISTERED).when({ type: 'ResumeWebhook', webhookId: 'w1' }).then([{ type: 'WebhookResumed', data: { webhookId: 'w1' } }]);
  });

  it('finds no webhook that was never registered, or was deleted', () => {
    given().when({ type: 'DeleteWebhook', webhookId: 'w1' }).thenThrows('WEBHOOK_NOT_FOUND');
    given().when({ type: 'ResumeWebhook', webhookId: 'w1' }).thenThrows('WEBHOOK_NOT_FOUND');
    given(REGISTERED, DELETED).when({ type: 'DeleteWebhook', webhookId: 'w1' }).thenThrows('WEBHOOK_NOT_FOUND');
    given(REGISTERED, DELETED).when({ type: 'ResumeWebhook', webhookId: 'w1' }).thenThrows('WEBHOOK_NOT_FOUND');
  });
});
