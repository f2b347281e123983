import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { ACTOR_KINDS, type ActorKind, type RegisterActor } from '../../domain/index.js';
import { present } from '../command-endpoint.js';
import { IsSlug, IsText, LIMITS } from '../input-limits.js';

export class RegisterActorDto {
  @ApiProperty({ example: 'isis', maxLength: LIMITS.idLength, pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' })
  @IsString()
  @IsSlug()
  id!: string;

  @ApiProperty({ example: 'Islamic State (ISIS / Daesh)', maxLength: LIMITS.nameLength })
  @IsString()
  @IsText(LIMITS.nameLength)
  name!: string;

  @ApiPropertyOptional({ example: 'تنظيم داعش', maxLength: LIMITS.nameLength })
  @IsOptional()
  @IsString()
  @IsText(LIMITS.nameLength)
  nameAr?: string;

  @ApiProperty({ example: 'pro-government', maxLength: LIMITS.sideLength, description: 'A slug grouping allied actors' })
  @IsString()
  @MaxLength(LIMITS.sideLength)
  @IsSlug()
  side!: string;

  @ApiPropertyOptional({ enum: ACTOR_KINDS })
  @IsOptional()
  @IsIn(ACTOR_KINDS)
  kind?: ActorKind;
}

/** The domain command this request asks for. */
export function toRegisterActorCommand(dto: RegisterActorDto): RegisterActor {
  const { id, ...rest } = present({ id: dto.id, name: dto.name, nameAr: dto.nameAr, side: dto.side, kind: dto.kind });
  return { type: 'RegisterActor', actorId: id, ...rest };
}
