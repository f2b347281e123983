import { Module } from '@nestjs/common';
import { MeController } from './me.controller.js';

/** GET /v1/me. */
@Module({ controllers: [MeController] })
export class MeModule {}
