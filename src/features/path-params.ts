import { type PipeTransform, Injectable } from '@nestjs/common';
import { ApplicationError } from '../application/application-error.js';
import { SLUG_PATTERN, LIMITS } from './input-limits.js';

/** A neighbourhood id in a path: one that is not a valid slug cannot name a neighbourhood. */
@Injectable()
export class NeighbourhoodIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (value.length > LIMITS.idLength || !SLUG_PATTERN.test(value)) {
      throw new ApplicationError('NEIGHBOURHOOD_NOT_FOUND', `no neighbourhood ${JSON.stringify(value.slice(0, LIMITS.idLength))}`);
    }
    return value;
  }
}

/** An actor id in a path: one that is not a valid slug names no actor. */
@Injectable()
export class ActorIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (value.length > LIMITS.idLength || !SLUG_PATTERN.test(value)) {
      throw new ApplicationError('ACTOR_NOT_FOUND', `no actor ${JSON.stringify(value.slice(0, LIMITS.idLength))}`);
    }
    return value;
  }
}
