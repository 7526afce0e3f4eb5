import { Compile } from 'typebox/compile';
import type { TSchema, Static } from 'typebox';

export interface Checker<T> {
  check(value: unknown): value is T;
  /** Human-readable problems, each naming the field: `events/0/seq: must be integer`. Empty when valid. */
  problems(value: unknown): string[];
}

export function checker<S extends TSchema>(schema: S): Checker<Static<S>> {
  const compiled = Compile(schema);
  return {
    check: (value: unknown): value is Static<S> => compiled.Check(value),
    problems: (value: unknown) =>
      compiled.Check(value) ? [] : compiled.Errors(value).map((e) => `${e.instancePath.replace(/^\//, '') || '(root)'}: ${e.message}`),
  };
}
