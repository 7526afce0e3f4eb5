/**
 * A mystery-shopper visit (GET /employees/:id/mystery-shopper, and beside an employee's scores): the API's
 * response schema, and the type the store returns and the console reads — one definition for the three.
 */
import Type, { type Static } from 'typebox';

export const VisitSchema = Type.Object({
  id: Type.String(),
  employeeId: Type.String(),
  officeId: Type.Union([Type.String(), Type.Null()]),
  date: Type.String({ description: 'The visit’s date, YYYY-MM-DD' }),
  score: Type.Number({ description: 'The checklist score, 0–100' }),
  notes: Type.String(),
  who: Type.String({ description: 'Who recorded it (the key’s name)' }),
  createdAt: Type.String({ format: 'date-time' }),
});
export type Visit = Static<typeof VisitSchema>;
