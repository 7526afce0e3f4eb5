/** What the data-entry sections share: the organisation the session may see, loaded once per render. */
import { api } from '../api.js';

export interface Office {
  id: string;
  name: string;
  timeZone: string;
}
export interface Desk {
  id: string;
  officeId: string;
  name: string;
}
export interface Employee {
  id: string;
  name: string;
  officeId: string | null;
}
export interface Org {
  offices: Office[];
  desks: Desk[];
  employees: Employee[];
}

/** Every item of a paged list (`{ items, next }`). */
export async function all<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T[]> {
  const out: T[] = [];
  let after: string | undefined;
  do {
    const page = await api.get<{ items: T[]; next: string | null }>(path, { ...query, limit: 1000, after });
    out.push(...page.items);
    after = page.next ?? undefined;
  } while (after);
  return out;
}

export async function loadOrg(): Promise<Org> {
  const [offices, desks, employees] = await Promise.all([all<Office>('/offices'), all<Desk>('/desks'), all<Employee>('/employees')]);
  return { offices, desks, employees };
}

export const byName = <T extends { name: string; id: string }>(a: T, b: T) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
