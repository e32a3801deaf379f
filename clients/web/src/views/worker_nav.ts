// Where the grid worker is in the app: the household open, or the registration form.
import type { DocumentId } from "@automerge/automerge-repo/slim";

export const nav: { selected: DocumentId | null; registering: boolean } = { selected: null, registering: false };
