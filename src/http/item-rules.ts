import { ValidateBy, type ValidationOptions } from 'class-validator';

/** What is wrong with one item of a list ("must be a string"), or undefined when nothing is. */
export type ItemRule = (item: unknown) => string | undefined;

const RULES = new Map<string, ItemRule>();

/**
 * A rule for every item of a list, checked as one constraint (so the compiled validation checks
 * it like any other) and reported item by item: the validation details name `positions[2]`,
 * not the whole list. Items of a value that is no array are not looked at; `@IsArray()` says
 * what is wrong with it.
 */
export function EachItem(name: string, rule: ItemRule, options?: ValidationOptions): PropertyDecorator {
  const known = RULES.get(name);
  if (known !== undefined && known !== rule) throw new Error(`the item rule ${name} is declared twice`);
  RULES.set(name, rule);
  return ValidateBy(
    {
      name,
      validator: {
        validate: (value: unknown) => !Array.isArray(value) || value.every((item) => rule(item) === undefined),
        defaultMessage: (args) => {
          const items = Array.isArray(args?.value) ? (args.value as unknown[]) : [];
          const index = items.findIndex((item) => rule(item) !== undefined);
          return `${args?.property}[${index}] ${index < 0 ? 'is wrong' : rule(items[index])}`;
        },
      },
    },
    options,
  );
}

/** The item rule a constraint of this name checks, if it is one (see `EachItem`). */
export function itemRuleOf(constraint: string): ItemRule | undefined {
  return RULES.get(constraint);
}

/** A JSON object: what a nested DTO is made from. Arrays and null are not. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Lists of nested objects: each item an object (class-validator would walk into an array item as a list). */
export const EachItemAnObject = (): PropertyDecorator => EachItem('eachItemAnObject', objectItem);

function objectItem(item: unknown): string | undefined {
  return isJsonObject(item) ? undefined : 'must be an object';
}
