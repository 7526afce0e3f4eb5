/** What the data-entry sections share: the organisation the session may see, loaded once per render. */
import { api } from '../api.js';
import type { Desk, Employee } from '../types.js';

export type { Desk, Employee };

export interface Office {
  id: string;
  name: string;
  timeZone: string;
}
export interface Org {
  offices: Office[];
  desks: Desk[];
  employees: Employee[];
}

export async function loadOrg(): Promise<Org> {
  const [offices, desks, employees] = await Promise.all([
    api.all<Office>('/offices'),
    api.all<Desk>('/desks'),
    api.all<Employee>('/employees'),
  ]);
  return { offices, desks, employees };
}

export const byName = <T extends { name: string; id: string }>(a: T, b: T) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
