import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageQueryDto } from '../paging.js';

export class ListActorsQueryDto extends PageQueryDto {}

export class ActorDto {
  @ApiProperty({ example: 'isis' }) id!: string;
  @ApiProperty({ example: 'Islamic State' }) name!: string;
  @ApiProperty({ type: String, nullable: true, example: 'تنظيم داعش' }) nameAr!: string | null;
  @ApiProperty({ example: 'isis' }) side!: string;
  @ApiProperty({ type: String, nullable: true, example: 'rebel-group' }) kind!: string | null;
}

export class ActorListDto {
  @ApiProperty({ type: [ActorDto], description: 'By id' }) items!: ActorDto[];
  @ApiPropertyOptional({ description: 'Present while more actors remain: pass it as cursor for the next page' }) nextCursor?: string;
  @ApiProperty({ type: 'integer', description: 'The log position the answer reflects' }) position!: number;
}
