import type { Type } from '@nestjs/common';
import type { RegisterActor, NeighbourhoodCommand } from '../../domain/index.js';
import type { Role } from '../../auth/index.js';
import { AddPositionsDto, toAddPositionsCommand } from '../add-positions/add-positions.dto.js';
import { AssessReportDto, toAssessReportCommand } from '../assess-report/assess-report.dto.js';
import { CapturePositionDto, toCapturePositionCommand } from '../capture-position/capture-position.dto.js';
import { LaunchAttackDto, toLaunchAttackCommand } from '../launch-attack/launch-attack.dto.js';
import { LaunchCounterattackDto, toLaunchCounterattackCommand } from '../launch-counterattack/launch-counterattack.dto.js';
import { RegisterActorDto, toRegisterActorCommand } from '../register-actor/register-actor.dto.js';
import { RegisterNeighbourhoodDto, toRegisterNeighbourhoodCommand } from '../register-neighbourhood/register-neighbourhood.dto.js';
import { ReportCasualtiesDto, toReportCasualtiesCommand } from '../report-casualties/report-casualties.dto.js';
import { RetractReportDto, toRetractReportCommand } from '../retract-report/retract-report.dto.js';
import { RetreatDto, toRetreatCommand } from '../retreat/retreat.dto.js';

/** A command endpoint as a batch takes it: its body, the roles its route allows, and the command a body asks for. */
export interface BatchRoute {
  readonly dto: Type<object>;
  readonly roles: readonly Role[];
  toCommand(dto: object, neighbourhoodId: string | undefined): NeighbourhoodCommand | RegisterActor;
}

/** Every command endpoint, by the last part of its path (after `/v1/neighbourhoods/:id/` for a neighbourhood's). */
const NEIGHBOURHOOD_ROUTES: Readonly<Record<string, BatchRoute>> = {
  positions: { dto: AddPositionsDto, roles: ['writer'], toCommand: (dto, id) => toAddPositionsCommand(dto as AddPositionsDto, id!) },
  attacks: { dto: LaunchAttackDto, roles: ['writer'], toCommand: (dto, id) => toLaunchAttackCommand(dto as LaunchAttackDto, id!) },
  captures: { dto: CapturePositionDto, roles: ['writer'], toCommand: (dto, id) => toCapturePositionCommand(dto as CapturePositionDto, id!) },
  counterattacks: {
    dto: LaunchCounterattackDto,
    roles: ['writer'],
    toCommand: (dto, id) => toLaunchCounterattackCommand(dto as LaunchCounterattackDto, id!),
  },
  retreats: { dto: RetreatDto, roles: ['writer'], toCommand: (dto, id) => toRetreatCommand(dto as RetreatDto, id!) },
  casualties: { dto: ReportCasualtiesDto, roles: ['writer'], toCommand: (dto, id) => toReportCasualtiesCommand(dto as ReportCasualtiesDto, id!) },
  retractions: { dto: RetractReportDto, roles: ['admin'], toCommand: (dto, id) => toRetractReportCommand(dto as RetractReportDto, id!) },
  assessments: { dto: AssessReportDto, roles: ['editor'], toCommand: (dto, id) => toAssessReportCommand(dto as AssessReportDto, id!) },
};

const ACTORS: BatchRoute = { dto: RegisterActorDto, roles: ['writer'], toCommand: (dto) => toRegisterActorCommand(dto as RegisterActorDto) };
const NEIGHBOURHOODS: BatchRoute = {
  dto: RegisterNeighbourhoodDto,
  roles: ['writer'],
  toCommand: (dto) => toRegisterNeighbourhoodCommand(dto as RegisterNeighbourhoodDto),
};

const NEIGHBOURHOOD_PATH = /^\/v1\/neighbourhoods\/([^/?#]+)\/([a-z]+)$/;

/** The route of a command path, with the neighbourhood it names; undefined for a path that is no command endpoint. */
export function batchRoute(path: string): { readonly route: BatchRoute; readonly neighbourhoodId?: string } | undefined {
  if (path === '/v1/actors') return { route: ACTORS };
  if (path === '/v1/neighbourhoods') return { route: NEIGHBOURHOODS };
  const match = NEIGHBOURHOOD_PATH.exec(path);
  // Own keys only: `constructor` or `toString` name no endpoint.
  if (match === null || !Object.hasOwn(NEIGHBOURHOOD_ROUTES, match[2]!)) return undefined;
  return { route: NEIGHBOURHOOD_ROUTES[match[2]!]!, neighbourhoodId: match[1]! };
}
