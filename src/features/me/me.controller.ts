import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { MeDto } from './me.dto.js';

/** Who the caller's key is: a client shows what the role allows (the console offers assessments to editors). */
@ApiTags('Auth')
@Controller('me')
export class MeController {
  @Get()
  @Roles('writer', 'analyst', 'editor')
  @ApiOperation({ summary: "The role of the caller's API key, and its id" })
  @ApiBearerAuth()
  @ApiOkResponse({ type: MeDto })
  me(@CurrentPrincipal() principal: Principal): MeDto {
    return { role: principal.role, keyId: principal.keyId };
  }
}
