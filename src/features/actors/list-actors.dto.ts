import { ApiProperty } from '@nestjs/swagger';
import { ReadModelQueryDto } from '../read-model-query.dto.js';

export class ListActorsQueryDto extends ReadModelQueryDto {}

export class ActorDto {
  @ApiProperty({ example: 'isis' }) id!: string;
  @ApiProperty({ example: 'Islamic State' }) name!: string;
  @ApiProperty({ type: String, nullable: true, example: 'تنظيم داعش' }) nameAr!: string | null;
  @ApiProperty({ example: 'isis' }) side!: string;
  @ApiProperty({ type: String, nullable: true, example: 'rebel-group' }) kind!: string | null;
}

export class ActorListDto {
  @ApiProperty({ type: [ActorDto], description: 'By id' }) items!: ActorDto[];
  @ApiProperty({ type: 'integer', description: 'The log position the answer reflects' }) position!: number;
}
