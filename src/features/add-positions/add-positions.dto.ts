import type { AddPositions } from '../../domain/index.js';
import { PositionsDto, positionSpecs } from '../report-fields.dto.js';

export class AddPositionsDto extends PositionsDto {
  toCommand(neighbourhoodId: string): AddPositions {
    return { type: 'AddPositions', neighbourhoodId, positions: positionSpecs(this.positions) };
  }
}
