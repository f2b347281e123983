import { decideActor, evolveActor, initialActorState, type RegisterActor } from './actor.js';
import { DomainError } from './domain-error.js';

const command: RegisterActor = { type: 'RegisterActor', actorId: 'isis', name: 'Islamic State', nameAr: 'تنظيم داعش', side: 'isis', kind: 'rebel-group' };

describe('RegisterActor', () => {
  it('registers a new actor', () => {
    expect(decideActor(command, initialActorState())).toEqual([
      { type: 'ActorRegistered', data: { actorId: 'isis', name: 'Islamic State', nameAr: 'تنظيم داعش', side: 'isis', kind: 'rebel-group' } },
    ]);
  });

  it('refuses an id that is taken', () => {
    const state = decideActor(command, initialActorState()).reduce(evolveActor, initialActorState());
    expect(() => decideActor(command, state)).toThrow(DomainError);
    expect(() => decideActor(command, state)).toThrow(/already registered/);
  });
});
