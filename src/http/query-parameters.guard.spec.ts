import { Body, Controller, Get, Param, Post, Query, type ExecutionContext } from '@nestjs/common';
import { ApiHttpException } from './api-http-exception.js';
import { QueryParametersGuard, readRouteArguments } from './query-parameters.guard.js';

@Controller('things')
class ThingsController {
  @Get()
  list(@Query() _query: object) {}

  @Get(':id')
  one(@Param('id') _id: string) {}

  @Get(':id/field')
  field(@Param('id') _id: string, @Query('limit') _limit: string) {}

  @Post()
  create(@Body() _body: object) {}
}

function contextFor(handler: keyof ThingsController, query: Record<string, unknown> | undefined): ExecutionContext {
  return {
    getType: () => 'http',
    getClass: () => ThingsController,
    getHandler: () => ThingsController.prototype[handler],
    switchToHttp: () => ({ getRequest: () => ({ query }) }),
  } as unknown as ExecutionContext;
}

describe('QueryParametersGuard', () => {
  const guard = new QueryParametersGuard();

  it("reads Nest's route parameters off its own @Query()", () => {
    // Fails when a Nest upgrade records route parameters otherwise: the server would not start.
    expect(() => readRouteArguments()).not.toThrow();
  });

  it('lets a route that takes a query have its parameters, for the validation pipe to check', () => {
    expect(guard.canActivate(contextFor('list', { anything: '1' }))).toBe(true);
    expect(guard.canActivate(contextFor('field', { other: '1' }))).toBe(true);
  });

  it.each(['one', 'create'] as const)('refuses any query parameter on a route that takes none (%s)', (handler) => {
    let error: unknown;
    try {
      guard.canActivate(contextFor(handler, { asOf: 'x', ['k'.repeat(100)]: 'y' }));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ApiHttpException);
    const refusal = error as ApiHttpException;
    expect(refusal.getStatus()).toBe(400);
    expect(refusal.code).toBe('VALIDATION_FAILED');
    expect(refusal.details).toEqual([
      { field: 'asOf', problems: ['is not a known field'] },
      { field: `${'k'.repeat(64)}…`, problems: ['is not a known field'] },
    ]);
  });

  it('lets a route that takes none through without a query string', () => {
    expect(guard.canActivate(contextFor('one', {}))).toBe(true);
    expect(guard.canActivate(contextFor('create', undefined))).toBe(true);
  });
});
