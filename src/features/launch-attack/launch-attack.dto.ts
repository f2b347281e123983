import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import type { LaunchAttack } from '../../domain/index.js';
import { IsText, LIMITS } from '../input-limits.js';
import { IsIdList, ReportDto, reportFields } from '../report-fields.dto.js';

export class LaunchAttackDto extends ReportDto {
  @ApiProperty({ type: [String], example: ['isis', 'opposition-factions'], minItems: 1, maxItems: LIMITS.actorsPerList })
  @IsIdList(LIMITS.actorsPerList, 1)
  attackers!: string[];

  @ApiPropertyOptional({
    type: [String],
    example: ['syrian-regime', 'hezbollah'],
    maxItems: LIMITS.actorsPerList,
    description: 'Omitted, null or [] when nobody is named (shelling of a place, an explosion): stored as []',
  })
  @IsOptional()
  @IsIdList(LIMITS.actorsPerList)
  defenders?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Positions under attack: they become contested', maxItems: LIMITS.positionsPerCommand })
  @IsOptional()
  @IsIdList(LIMITS.positionsPerCommand)
  targets?: string[];

  @ApiPropertyOptional({ example: 'Yarmouk camp', maxLength: LIMITS.originLength })
  @IsOptional()
  @IsString()
  @IsText(LIMITS.originLength)
  origin?: string;
}

/** The domain command this request asks for. */
export function toLaunchAttackCommand(dto: LaunchAttackDto, neighbourhoodId: string): LaunchAttack {
  return {
    type: 'LaunchAttack',
    neighbourhoodId,
    attackers: dto.attackers,
    ...(dto.defenders ? { defenders: dto.defenders } : {}),
    ...(dto.targets ? { targets: dto.targets } : {}),
    ...(dto.origin ? { origin: dto.origin } : {}),
    ...reportFields(dto),
  };
}
