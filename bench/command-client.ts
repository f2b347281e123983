import type { ArgumentMetadata, Type } from '@nestjs/common';
import type { Command, CommandBus } from '@nestjs/cqrs';
import type { CommandMetadata, CommandResult } from '../src/application/command-metadata.js';
import { CapturePositionDto, toCapturePositionCommand } from '../src/features/capture-position/capture-position.dto.js';
import { CapturePositionCommand } from '../src/features/capture-position/capture-position.handler.js';
import { LaunchAttackDto, toLaunchAttackCommand } from '../src/features/launch-attack/launch-attack.dto.js';
import { LaunchAttackCommand } from '../src/features/launch-attack/launch-attack.handler.js';
import { LaunchCounterattackDto, toLaunchCounterattackCommand } from '../src/features/launch-counterattack/launch-counterattack.dto.js';
import { LaunchCounterattackCommand } from '../src/features/launch-counterattack/launch-counterattack.handler.js';
import { RegisterActorDto, toRegisterActorCommand } from '../src/features/register-actor/register-actor.dto.js';
import { RegisterActorCommand } from '../src/features/register-actor/register-actor.handler.js';
import { RegisterNeighbourhoodDto, toRegisterNeighbourhoodCommand } from '../src/features/register-neighbourhood/register-neighbourhood.dto.js';
import { RegisterNeighbourhoodCommand } from '../src/features/register-neighbourhood/register-neighbourhood.handler.js';
import { ReportCasualtiesDto, toReportCasualtiesCommand } from '../src/features/report-casualties/report-casualties.dto.js';
import { ReportCasualtiesCommand } from '../src/features/report-casualties/report-casualties.handler.js';
import { RetractReportDto, toRetractReportCommand } from '../src/features/retract-report/retract-report.dto.js';
import { RetractReportCommand } from '../src/features/retract-report/retract-report.handler.js';
import { RetreatDto, toRetreatCommand } from '../src/features/retreat/retreat.dto.js';
import { RetreatCommand } from '../src/features/retreat/retreat.handler.js';
import { createValidationPipe } from '../src/http/validation.js';
import type { IncidentKind, ScriptedRequest } from './conflict-script.js';

interface IncidentRoute {
  readonly dto: Type<unknown>;
  /** What the controller does with the validated DTO. */
  readonly toCommand: (dto: never, neighbourhoodId: string) => unknown;
  readonly command: new (command: never, metadata: CommandMetadata) => Command<CommandResult>;
}

const INCIDENT_ROUTES: Readonly<Record<IncidentKind, IncidentRoute>> = {
  attacks: { dto: LaunchAttackDto, toCommand: toLaunchAttackCommand, command: LaunchAttackCommand },
  captures: { dto: CapturePositionDto, toCommand: toCapturePositionCommand, command: CapturePositionCommand },
  counterattacks: { dto: LaunchCounterattackDto, toCommand: toLaunchCounterattackCommand, command: LaunchCounterattackCommand },
  retreats: { dto: RetreatDto, toCommand: toRetreatCommand, command: RetreatCommand },
  casualties: { dto: ReportCasualtiesDto, toCommand: toReportCasualtiesCommand, command: ReportCasualtiesCommand },
  retractions: { dto: RetractReportDto, toCommand: toRetractReportCommand, command: RetractReportCommand },
};

/**
 * Sends commands the way a controller does, minus the socket: the body goes through the
 * app's real global ValidationPipe (class-transformer + class-validator on the DTO, unknown
 * fields refused), the metadata is what `commandMetadata` builds, and the command is
 * dispatched on the app's CommandBus, which runs validate → load → decide → durable append.
 */
export class CommandClient {
  private readonly pipe = createValidationPipe();
  private requests = 0;

  constructor(private readonly bus: CommandBus) {}

  async incident(request: ScriptedRequest): Promise<CommandResult> {
    const route = INCIDENT_ROUTES[request.kind];
    const path = `/v1/neighbourhoods/${request.neighbourhoodId}/${request.kind}`;
    const dto = (await this.validate(request.body, route.dto)) as never;
    const role = request.kind === 'retractions' ? 'admin' : 'writer';
    const command = route.toCommand(dto, request.neighbourhoodId) as never;
    return this.bus.execute(new route.command(command, this.metadata(role, path, request.body)));
  }

  async registerActor(body: Record<string, unknown>): Promise<CommandResult> {
    const dto = (await this.validate(body, RegisterActorDto)) as RegisterActorDto;
    return this.bus.execute(new RegisterActorCommand(toRegisterActorCommand(dto), this.metadata('writer', '/v1/actors', body)));
  }

  async registerNeighbourhood(body: Record<string, unknown>): Promise<CommandResult> {
    const dto = (await this.validate(body, RegisterNeighbourhoodDto)) as RegisterNeighbourhoodDto;
    return this.bus.execute(new RegisterNeighbourhoodCommand(toRegisterNeighbourhoodCommand(dto), this.metadata('writer', '/v1/neighbourhoods', body)));
  }

  private validate(body: unknown, metatype: Type<unknown>): Promise<unknown> {
    const metadata: ArgumentMetadata = { type: 'body', metatype, data: '' };
    return this.pipe.transform(body, metadata) as Promise<unknown>;
  }

  /** As commandMetadata() builds it for a request without Idempotency-Key or If-Match. */
  private metadata(role: 'writer' | 'admin', _path: string, _body: unknown): CommandMetadata {
    this.requests += 1;
    return { keyId: `${role}-3fa2b1c4`, role, requestId: `bench-${this.requests}` };
  }
}
