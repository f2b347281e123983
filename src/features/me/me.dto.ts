import { ApiProperty } from '@nestjs/swagger';
import { ROLES, type Role } from '../../auth/role.js';

export class MeDto {
  @ApiProperty({ enum: ROLES, description: "The key's role: what it may do (see the table of roles)" }) role!: Role;
  @ApiProperty({ example: 'editor-1a2b3c4d', description: "The key's non-secret id, as commands record it in recordedBy" }) keyId!: string;
}
