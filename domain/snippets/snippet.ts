import * as z from 'zod';
import type { Versioned } from '../crm/records.js';
import { recordId } from '../shared/schemas.js';

/** A reusable rich-text block for invoice comments (HubSpot's "snippets"), found by its shortcut. */
export type Snippet = Versioned & { kind: 'snippet'; shortcut: string; body: string };

export const MAX_SNIPPETS = 500;
/** The sanitized body's size limit, in UTF-8 bytes. */
export const MAX_SNIPPET_BYTES = 10_240;
/** What a draft's comments may grow to by inserting snippets. */
export const MAX_COMMENTS_CHARS = 30_000;

/** Letters, digits, `-` and `_`, as typed after a `#` in the editor; unique per account ignoring case. */
const shortcut = z
  .string()
  .trim()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/,
    'must be 1 to 40 letters, digits, - or _, starting with a letter or digit',
  );
// Before sanitizing the body may be larger (markup that is stripped); the limit applies to what is kept.
const body = z
  .string()
  .min(1)
  .max(4 * MAX_SNIPPET_BYTES);

export const snippetInput = z.strictObject({ shortcut, body });
export const snippetPatch = snippetInput.partial();
export type SnippetInput = z.infer<typeof snippetInput>;
export type SnippetPatch = z.infer<typeof snippetPatch>;

export const insertSnippetInput = z.strictObject({ snippetId: recordId('snip') });
