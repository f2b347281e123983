import { Type, type TypeHelpOptions } from 'class-transformer';

/** The class of a nested value, or of each item of a nested list, as `@Type` takes it. */
export type NestedTypeFunction = (options?: TypeHelpOptions) => Function;

/** Per class, the nested types its own properties declare. */
const DECLARED = new WeakMap<Function, Map<string, NestedTypeFunction>>();

/**
 * class-transformer's `@Type(() => Class)`, recorded where the compiled transform reads it too,
 * so that it never reads class-transformer's internal storage. Use it instead of `@Type` on
 * request DTOs: a plain `@Type` still works, but its class is built by class-transformer.
 */
export function NestedType(typeFunction: NestedTypeFunction): PropertyDecorator {
  const type = Type(typeFunction);
  return (target, key) => {
    type(target, key);
    const owner = target.constructor;
    let properties = DECLARED.get(owner);
    if (properties === undefined) {
      properties = new Map();
      DECLARED.set(owner, properties);
    }
    properties.set(String(key), typeFunction);
  };
}

/** The nested type `@NestedType` declared for `key` on `target` or the closest ancestor declaring it. */
export function nestedTypeOf(target: Function, key: string): NestedTypeFunction | undefined {
  for (let owner: Function | null = target; owner !== null && owner !== Function.prototype; owner = Object.getPrototypeOf(owner) as Function | null) {
    const declared = DECLARED.get(owner)?.get(key);
    if (declared !== undefined) return declared;
  }
  return undefined;
}
