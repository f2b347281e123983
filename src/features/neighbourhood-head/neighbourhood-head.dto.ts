import { ApiProperty } from '@nestjs/swagger';

export class NeighbourhoodHeadDto {
  @ApiProperty({ example: 'damascus-tadamon' }) neighbourhoodId!: string;
  @ApiProperty({ type: 'integer', description: 'The revision an If-Match needs; also sent as ETag' }) streamRevision!: number;
  @ApiProperty({ type: 'integer', description: 'The log position of that revision' }) position!: number;
}
