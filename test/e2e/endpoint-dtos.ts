/**
 * Each command endpoint's DTO, and a context for materialising generated cases without a
 * server: the ids it names only need to look right, since no command is sent. For the specs
 * that hold the validation pipe's compiled parts to class-validator and class-transformer.
 */
import type { Type } from '@nestjs/common';
import { AddPositionsDto } from '../../src/features/add-positions/add-positions.dto.js';
import { CapturePositionDto } from '../../src/features/capture-position/capture-position.dto.js';
import { LaunchAttackDto } from '../../src/features/launch-attack/launch-attack.dto.js';
import { LaunchCounterattackDto } from '../../src/features/launch-counterattack/launch-counterattack.dto.js';
import { RegisterActorDto } from '../../src/features/register-actor/register-actor.dto.js';
import { RegisterNeighbourhoodDto } from '../../src/features/register-neighbourhood/register-neighbourhood.dto.js';
import { ReportCasualtiesDto } from '../../src/features/report-casualties/report-casualties.dto.js';
import { RetractReportDto } from '../../src/features/retract-report/retract-report.dto.js';
import { RetreatDto } from '../../src/features/retreat/retreat.dto.js';
import type { BaseContext, EndpointName } from './hostile-input.arbitraries.js';

export const ENDPOINT_DTOS: Readonly<Record<EndpointName, Type<object>>> = {
  actors: RegisterActorDto,
  neighbourhoods: RegisterNeighbourhoodDto,
  positions: AddPositionsDto,
  attacks: LaunchAttackDto,
  captures: CapturePositionDto,
  counterattacks: LaunchCounterattackDto,
  retreats: RetreatDto,
  casualties: ReportCasualtiesDto,
  retractions: RetractReportDto,
};

/** A context whose fresh slugs start with `tag`. */
export function offlineContext(tag: string): () => BaseContext {
  let serial = 0;
  return () => ({
    fresh: (prefix) => `${tag}-${prefix}-${++serial}`,
    attackId: '0b4c5f1e-8f1a-4c6e-9a57-2f3f0c9d8e71',
    frontAttackId: '6a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    retractableId: '1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b',
    capturable: 'front-c-1',
    retreatable: 'front-r-1',
  });
}
