import { ApiProperty, type ApiPropertyOptions, getSchemaPath, type SchemaObject } from '@nestjs/swagger';

/*
 * GeoJSON geometries (RFC 7946) as the OpenAPI document names them: the areas of positions and
 * the outlines of neighbourhoods (Polygon, MultiPolygon) and the points of a control map. Every
 * document registers them (`buildOpenApiDocument`); DTO properties refer to them through `geoJsonProperty`.
 */

const POSITION: SchemaObject = {
  type: 'array',
  items: { type: 'number' },
  minItems: 2,
  maxItems: 3,
  description: '[longitude, latitude] (WGS 84), or with an altitude',
};
const RING: SchemaObject = { type: 'array', items: POSITION, minItems: 4, description: 'A closed ring: its last position equals its first' };

export class GeoJsonPolygonDto {
  @ApiProperty({ enum: ['Polygon'] }) type!: 'Polygon';
  @ApiProperty({ type: 'array', items: RING, minItems: 1, description: 'The exterior ring, then any holes (RFC 7946 §3.1.6)' })
  coordinates!: number[][][];
}

export class GeoJsonMultiPolygonDto {
  @ApiProperty({ enum: ['MultiPolygon'] }) type!: 'MultiPolygon';
  @ApiProperty({ type: 'array', items: { type: 'array', items: RING, minItems: 1 }, minItems: 1, description: 'Polygons, each as a Polygon\'s coordinates (RFC 7946 §3.1.7)' })
  coordinates!: number[][][][];
}

export class GeoJsonPointDto {
  @ApiProperty({ enum: ['Point'] }) type!: 'Point';
  @ApiProperty({ type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2, example: [36.3, 33.47], description: '[longitude, latitude]' })
  coordinates!: [number, number];
}

export const GEOJSON_SCHEMAS = [GeoJsonPolygonDto, GeoJsonMultiPolygonDto, GeoJsonPointDto] as const;

const ref = (model: Function): { $ref: string } => ({ $ref: getSchemaPath(model) });

/**
 * A property holding a GeoJSON area (a Polygon or a MultiPolygon, told apart by `type`), or,
 * with `point`, a map feature's geometry, which may also be a Point. A nullable one is typed
 * `object` so that OpenAPI 3.0 lets it be null.
 */
export function geoJsonProperty(options: { readonly description: string; readonly nullable?: boolean; readonly point?: boolean; readonly example?: unknown }): ApiPropertyOptions {
  const models: Record<string, Function> = { Polygon: GeoJsonPolygonDto, MultiPolygon: GeoJsonMultiPolygonDto, ...(options.point === true && { Point: GeoJsonPointDto }) };
  const schema: SchemaObject = {
    ...(options.nullable === true && { type: 'object', nullable: true }),
    oneOf: Object.values(models).map(ref),
    discriminator: { propertyName: 'type', mapping: Object.fromEntries(Object.entries(models).map(([type, model]) => [type, getSchemaPath(model)])) },
    description: options.description,
    ...(options.example !== undefined && { example: options.example }),
  };
  // Nest's option types allow `type: 'object'` only with properties; the schema is written as OpenAPI has it.
  return schema as ApiPropertyOptions;
}
