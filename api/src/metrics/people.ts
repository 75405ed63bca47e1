import type { Storage } from "@chatfunnel/core";
import type { PersonDeletionResponse, PersonDeletionsResponse, PersonPath } from "@chatfunnel/schemas";
import { deletePerson, personDeletions } from "@chatfunnel/warehouse";

/**
 * Deletes one person's events and rollup rows (warehouse/src/people.ts) on behalf of `actor`; undefined
 * when the project holds no row of theirs (the route's 404), so a typo in a user id is not recorded as done.
 */
export async function deletePersonAnswer(storage: Storage, projectId: string, person: PersonPath, actor: string): Promise<PersonDeletionResponse | undefined> {
  const deletedRows = await deletePerson(storage, { projectId, channel: person.channel, userId: person.userId }, actor);
  return deletedRows ? { channel: person.channel, userId: person.userId, deletedRows } : undefined;
}

/** The audit log: every deletion in the project, newest first. */
export async function personDeletionsAnswer(storage: Storage, projectId: string, limit: number): Promise<PersonDeletionsResponse> {
  return { deletions: await personDeletions(storage, projectId, limit) };
}
