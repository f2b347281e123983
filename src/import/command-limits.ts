import { POSITION_KINDS } from '../domain/index.js';
import { isInstant, LIMITS, SLUG_PATTERN } from '../features/input-limits.js';
import {
  IMPORT_ACTOR_KINDS,
  type CasualtyFigure,
  type ImportCommand,
  type ReportBody,
  type SourceBody,
} from './import-commands.js';
import { isSafeText } from './import-text.js';

/** Limits of the real-data relaxations that input-limits.ts does not hold yet. */
export const IMPORT_LIMITS = {
  referenceLength: 200,
  /** How far ahead of the clock the server takes an instant. */
  clockSkewMs: 5 * 60_000,
} as const;

const IDEMPOTENCY_KEY = /^[\x21-\x7E]+$/;
const RELIABILITY = new Set(['A', 'B', 'C', 'D', 'E', 'F']);
const PRECISIONS = new Set(['exact', 'hour', 'day', 'week', 'month']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What the server would refuse with 400 VALIDATION_FAILED in a command the importer built, checked
 * locally so that `--dry-run` finds it and a real run does not send it: field lengths, slugs,
 * list sizes, instants, ratings and casualty figures. Empty when the command passes.
 */
export function commandProblems(command: ImportCommand, now: number): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, problem: string): void => {
    if (!ok) problems.push(problem);
  };
  check(
    command.idempotencyKey.length <= LIMITS.idempotencyKeyLength && IDEMPOTENCY_KEY.test(command.idempotencyKey),
    `idempotency key must be 1 to ${LIMITS.idempotencyKeyLength} visible ASCII characters`,
  );
  switch (command.role) {
    case 'actor': {
      const body = command.body;
      check(isSlug(body.id), `id ${JSON.stringify(body.id)} must be a lowercase slug of at most ${LIMITS.idLength} characters`);
      check(isText(body.name, LIMITS.nameLength), `name must be 1 to ${LIMITS.nameLength} characters of safe text`);
      check(isSlug(body.side) && body.side.length <= LIMITS.sideLength, `side ${JSON.stringify(body.side)} must be a lowercase slug`);
      check(body.kind === undefined || IMPORT_ACTOR_KINDS.includes(body.kind), `kind ${String(body.kind)} is not an actor kind`);
      break;
    }
    case 'place': {
      const body = command.body;
      check(isSlug(body.id), `id ${JSON.stringify(body.id)} must be a lowercase slug of at most ${LIMITS.idLength} characters`);
      for (const field of ['name', 'city', 'country'] as const) {
        check(isText(body[field], LIMITS.nameLength), `${field} must be 1 to ${LIMITS.nameLength} characters of safe text`);
      }
      check(isInstant(body.controlAsOf), 'controlAsOf must be an ISO 8601 instant with a zone');
      check(body.positions.length >= 1 && body.positions.length <= LIMITS.positionsPerCommand, 'positions must hold 1 to 1000 positions');
      for (const position of body.positions) {
        check(isSlug(position.id), `position id ${JSON.stringify(position.id)} must be a lowercase slug`);
        check(isText(position.name, LIMITS.nameLength), `position name must be 1 to ${LIMITS.nameLength} characters of safe text`);
        check((POSITION_KINDS as readonly string[]).includes(position.kind), `position kind ${position.kind} is unknown`);
        const [lon, lat] = position.coordinates;
        check(
          Number.isFinite(lon) && Number.isFinite(lat) && Math.abs(lon) <= 180 && Math.abs(lat) <= 90,
          'coordinates must be [longitude, latitude] with |longitude| <= 180 and |latitude| <= 90',
        );
      }
      break;
    }
    case 'attack': {
      const body = command.body;
      reportProblems(body, now, check);
      idListProblems(body.attackers, 'attackers', 1, LIMITS.actorsPerList, check);
      idListProblems(body.defenders, 'defenders', 0, LIMITS.actorsPerList, check);
      break;
    }
    case 'capture':
    case 'retreat': {
      const body = command.body;
      reportProblems(body, now, check);
      check(isSlug(body.by), `by ${JSON.stringify(body.by)} must be a lowercase slug`);
      idListProblems(body.positions, 'positions', 1, LIMITS.positionsPerCommand, check);
      if (command.role === 'retreat' && command.body.yieldedTo !== undefined) {
        check(isSlug(command.body.yieldedTo), `yieldedTo ${JSON.stringify(command.body.yieldedTo)} must be a lowercase slug`);
      }
      break;
    }
    case 'casualties': {
      reportProblems(command.body, now, check);
      figureProblems(command.body.killed, check);
      break;
    }
    case 'retract': {
      check(UUID.test(command.body.eventId), 'eventId must be a UUID');
      check(isText(command.body.reason, LIMITS.reasonLength), `reason must be 1 to ${LIMITS.reasonLength} characters of safe text`);
      break;
    }
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
  return problems;
}

type Check = (ok: boolean, problem: string) => void;

function reportProblems(body: ReportBody, now: number, check: Check): void {
  check(isInstant(body.occurredAt), `occurredAt ${JSON.stringify(body.occurredAt)} must be an ISO 8601 instant with a zone`);
  check(!isInstant(body.occurredAt) || Date.parse(body.occurredAt) <= now + IMPORT_LIMITS.clockSkewMs, 'occurredAt lies in the future');
  check(PRECISIONS.has(body.timePrecision), `timePrecision ${String(body.timePrecision)} is unknown`);
  check(
    body.sources.length >= 1 && body.sources.length <= LIMITS.sourcesPerReport,
    `sources must hold 1 to ${LIMITS.sourcesPerReport} sources`,
  );
  body.sources.forEach((source, index) => sourceProblems(source, index, now, check));
  if (body.notes !== undefined) check(isText(body.notes, LIMITS.notesLength), `notes must be 1 to ${LIMITS.notesLength} characters of safe text`);
}

function sourceProblems(source: SourceBody, index: number, now: number, check: Check): void {
  const at = `sources[${index}]`;
  check(isText(source.name, LIMITS.nameLength), `${at}.name must be 1 to ${LIMITS.nameLength} characters of safe text`);
  check(isText(source.kind, LIMITS.nameLength), `${at}.kind must be 1 to ${LIMITS.nameLength} characters of safe text`);
  check(RELIABILITY.has(source.reliability), `${at}.reliability must be A to F`);
  check(Number.isInteger(source.credibility) && source.credibility >= 1 && source.credibility <= 6, `${at}.credibility must be an integer 1 to 6`);
  if (source.reference !== undefined) {
    check(isText(source.reference, IMPORT_LIMITS.referenceLength), `${at}.reference must be 1 to ${IMPORT_LIMITS.referenceLength} characters of safe text`);
  }
  if (source.reportedAt !== undefined) {
    check(isInstant(source.reportedAt), `${at}.reportedAt must be an ISO 8601 instant with a zone`);
    check(!isInstant(source.reportedAt) || Date.parse(source.reportedAt) <= now + IMPORT_LIMITS.clockSkewMs, `${at}.reportedAt lies in the future`);
  }
}

function idListProblems(ids: readonly string[], field: string, min: number, max: number, check: Check): void {
  check(ids.length >= min && ids.length <= max, `${field} must hold ${min} to ${max} ids`);
  check(new Set(ids).size === ids.length, `${field} must not list an id twice`);
  for (const id of ids) check(isSlug(id), `${field}: ${JSON.stringify(id)} must be a lowercase slug`);
}

function figureProblems(figure: CasualtyFigure, check: Check): void {
  const values = [figure.low, figure.best, figure.high].filter((value): value is number => value !== undefined);
  check(
    values.every((value) => Number.isInteger(value) && value >= 0 && value <= LIMITS.casualtyFigureMax),
    `killed figures must be integers 0 to ${LIMITS.casualtyFigureMax}`,
  );
  check((figure.low ?? figure.best) <= figure.best && figure.best <= (figure.high ?? figure.best), 'killed must keep low <= best <= high');
}

function isSlug(value: string): boolean {
  return typeof value === 'string' && value.length <= LIMITS.idLength && SLUG_PATTERN.test(value);
}

function isText(value: string, max: number): boolean {
  return typeof value === 'string' && value.length >= 1 && value.length <= max && isSafeText(value);
}
