import { DomainError, type DomainErrorCode } from './domain-error.js';
import type { NeighbourhoodCommand } from './neighbourhood.commands.js';
import { type DecisionContext, decideNeighbourhood } from './neighbourhood.decider.js';
import type { NeighbourhoodEvent, Positioned } from './neighbourhood.events.js';
import { evolveNeighbourhood, initialNeighbourhoodState } from './neighbourhood.state.js';

/** given(events).when(command).then(events) / .thenThrows(code), on the pure decider. For specs only. */
export function given(context: DecisionContext, ...events: Positioned<NeighbourhoodEvent>[]) {
  const state = events.reduce(evolveNeighbourhood, initialNeighbourhoodState());
  return {
    state,
    when(command: NeighbourhoodCommand) {
      const decide = () => decideNeighbourhood(command, state, context);
      return {
        decide,
        then(expected: NeighbourhoodEvent[]) {
          expect(decide()).toEqual(expected);
        },
        thenThrows(code: DomainErrorCode, details?: Record<string, unknown>[]) {
          let thrown: unknown;
          try {
            decide();
          } catch (error) {
            thrown = error;
          }
          expect(thrown).toBeInstanceOf(DomainError);
          expect((thrown as DomainError).code).toBe(code);
          if (details) expect((thrown as DomainError).details).toEqual(details);
        },
      };
    },
  };
}
