import type { AddPositions } from '../../domain/index.js';
import { PositionsDto, positionSpecs } from '../report-fields.dto.js';

export class AddPositionsDto extends PositionsDto {
}

/** The domain command this request asks for. */
export function toAddPositionsCommand(dto: AddPositionsDto, neighbourhoodId: string): AddPositions {
  return { type: 'AddPositions', neighbourhoodId, positions: positionSpecs(dto.positions) };
}
