/** placeholder */
export interface OsClass { vendor: string; family: string; generation?: string; deviceType: string }
export interface OsDbEntry { name: string; classes: OsClass[]; cpe: string[]; tests: Record<string, Record<string, string>> }
export const OS_DB: OsDbEntry[] = [];
