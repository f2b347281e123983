import { DomainError } from './domain-error.js';

/**
 * ACLED-like actor kinds. Free text is refused so that analysts can group by kind. `civilians`
 * is the target of one-sided violence; `unidentified` is a category rather than one actor
 * (ACLED's "Unidentified Armed Group"): it may stand on both sides of a clash.
 */
export const ACTOR_KINDS = ['state-forces', 'rebel-group', 'militia', 'external-force', 'other', 'civilians', 'unidentified'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

export const actorStreamId = (actorId: string): string => `actor-${actorId}`;

export interface RegisterActor {
  readonly type: 'RegisterActor';
  readonly actorId: string;
  readonly name: string;
  readonly nameAr?: string;
  readonly side: string;
  readonly kind?: ActorKind;
}

export interface ActorRegistered {
  readonly type: 'ActorRegistered';
  readonly data: {
    readonly actorId: string;
    readonly name: string;
    readonly nameAr?: string;
    readonly side: string;
    readonly kind?: ActorKind;
  };
}

export type ActorEvent = ActorRegistered;

export interface ActorState {
  readonly registered: boolean;
}

export const initialActorState = (): ActorState => ({ registered: false });

export function evolveActor(state: ActorState, event: ActorEvent): ActorState {
  switch (event.type) {
    case 'ActorRegistered':
      return { registered: true };
    default: {
      const unknown: never = event.type;
      return unknown;
    }
  }
}

export function decideActor(command: RegisterActor, state: ActorState): ActorEvent[] {
  if (state.registered) {
    throw new DomainError('ALREADY_EXISTS', `actor ${command.actorId} is already registered`);
  }
  const { type: _type, ...data } = command;
  return [{ type: 'ActorRegistered', data }];
}
