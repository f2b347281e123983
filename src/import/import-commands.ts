import { ACTOR_KINDS } from '../domain/index.js';

/**
 * Request bodies the importer sends, as API.md and its real-data relaxations define them, and
 * the envelope that carries one through `POST /v1/batches`.
 */

/** Actor kinds the server takes, with the two the real-data relaxations add. */
export const IMPORT_ACTOR_KINDS: readonly string[] = [...new Set<string>([...ACTOR_KINDS, 'civilians', 'unidentified'])];
export type ImportActorKind = 'state-forces' | 'rebel-group' | 'militia' | 'external-force' | 'other' | 'civilians' | 'unidentified';

export type Reliability = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';
export type Credibility = 1 | 2 | 3 | 4 | 5 | 6;

export interface Rating {
  readonly reliability: Reliability;
  readonly credibility: Credibility;
}

export interface SourceBody extends Rating {
  readonly name: string;
  readonly kind: 'dataset' | 'outlet';
  readonly reference?: string;
  readonly reportedAt?: string;
}

export interface RegisterActorBody {
  readonly id: string;
  readonly name: string;
  readonly side: string;
  readonly kind?: ImportActorKind;
}

export interface PositionBody {
  readonly id: string;
  readonly name: string;
  readonly kind: 'sector';
  readonly coordinates: readonly [number, number];
}

export interface RegisterNeighbourhoodBody {
  readonly id: string;
  readonly name: string;
  readonly city: string;
  readonly country: string;
  readonly controlAsOf: string;
  readonly positions: readonly PositionBody[];
}

export interface ReportBody {
  readonly occurredAt: string;
  readonly timePrecision: 'day' | 'week' | 'month';
  readonly sources: readonly SourceBody[];
  readonly notes?: string;
}

export interface AttackBody extends ReportBody {
  readonly attackers: readonly string[];
  readonly defenders: readonly string[];
}

export interface CaptureBody extends ReportBody {
  readonly by: string;
  readonly positions: readonly string[];
  readonly onConflict: 'record';
}

export interface RetreatBody extends ReportBody {
  readonly by: string;
  readonly positions: readonly string[];
  readonly yieldedTo?: string;
  readonly onConflict: 'record';
}

export interface CasualtyFigure {
  readonly low?: number;
  readonly best: number;
  readonly high?: number;
}

export interface CasualtiesBody extends ReportBody {
  readonly killed: CasualtyFigure;
}

export interface RetractionBody {
  readonly eventId: string;
  readonly reason: string;
}

/** What a command does for its row; part of its idempotency key. */
export type CommandRole = 'actor' | 'place' | 'attack' | 'capture' | 'retreat' | 'casualties' | 'retract';

/** Which of the caller's keys sends the command: retractions need the admin key. */
export type KeyRole = 'writer' | 'admin';

interface CommandBase<R extends CommandRole, B> {
  readonly role: R;
  readonly path: string;
  readonly idempotencyKey: string;
  readonly body: B;
}

export type ImportCommand =
  | CommandBase<'actor', RegisterActorBody>
  | CommandBase<'place', RegisterNeighbourhoodBody>
  | CommandBase<'attack', AttackBody>
  | CommandBase<'capture', CaptureBody>
  | CommandBase<'retreat', RetreatBody>
  | CommandBase<'casualties', CasualtiesBody>
  | CommandBase<'retract', RetractionBody>;

/** A registration: answers ALREADY_EXISTS when the id is taken, which the importer counts as `existing`. */
export const isRegistration = (command: ImportCommand): boolean => command.role === 'actor' || command.role === 'place';

/** One element of the batch body's `commands`. */
export interface BatchCommand {
  readonly path: string;
  readonly idempotencyKey: string;
  readonly body: unknown;
}

/** One element of the batch answer's `results`, as far as the importer reads it. */
export interface BatchResult {
  readonly status: number;
  readonly eventId?: string;
  readonly standing?: string;
  readonly code?: string;
  readonly message?: string;
}

export const toBatchCommand = (command: ImportCommand): BatchCommand => ({
  path: command.path,
  idempotencyKey: command.idempotencyKey,
  body: command.body,
});
