import type { Actor } from '../auth/actor.js';
import { toInstant } from '../dates/calendar.js';
import { mutate } from '../optimistic.js';
import type { Clock, DocumentStore, InlineImage, SettingsStore } from '../ports.js';
import { getSettings } from './settings-use-cases.js';
import type { SellerLogo, StoredSettings } from './settings.js';

/** Where the bucket may be written for logos, and nothing else (infra/stacks/grants.ts grants it). */
export const LOGO_PREFIX = 'logos/';

/**
 * One object per account and picture, named by its content: uploading the same picture again
 * writes the same key, and a new picture never replaces the bytes an issued invoice points at.
 */
export const logoKey = (accountId: string, logo: Pick<SellerLogo, 'sha256' | 'contentType'>): string =>
  `${LOGO_PREFIX}${accountId}/${logo.sha256}.${logo.contentType === 'image/png' ? 'png' : 'jpg'}`;

export type LogoDeps = { settings: SettingsStore; documents: DocumentStore; clock: Clock };

/**
 * `PUT /settings/invoices/logo`: the picture is checked (logo-image.ts), stored, then named in the
 * settings by a conditional write. A picture stored by a request that then loses the race is
 * harmless: it is an object no setting names (and the same bytes always land on the same key).
 */
export async function setLogo(
  deps: LogoDeps,
  actor: Actor,
  bytes: Uint8Array,
  contentType: string | undefined,
  ifMatch?: number,
): Promise<StoredSettings> {
  // The decoders load with the first upload: no function that only shows a logo carries them.
  const { inspectLogo } = await import('./logo-image.js');
  const image = inspectLogo(bytes, contentType);
  const key = logoKey(actor.accountId, image);
  await deps.documents.put(key, bytes, image.contentType);
  return mutate(
    () => getSettings(deps, actor.accountId),
    ifMatch,
    async (current) => {
      const { accountId: _a, version: _v, updatedAt: _u, ...fields } = current;
      const now = toInstant(deps.clock.now());
      return deps.settings.save(
        actor.accountId,
        { ...fields, logo: { ...image, key, updatedAt: now } },
        current.version,
        now,
      );
    },
  );
}

/**
 * `DELETE /settings/invoices/logo`: drafts and invoices issued from now on carry no logo. The
 * object stays: invoices issued with it name it, and their PAID or VOID PDF prints it again.
 */
export async function removeLogo(deps: Omit<LogoDeps, 'documents'>, actor: Actor, ifMatch?: number): Promise<void> {
  await mutate(
    () => getSettings(deps, actor.accountId),
    ifMatch,
    async (current) => {
      if (!current.logo) return current;
      const { accountId: _a, version: _v, updatedAt: _u, ...fields } = current;
      return deps.settings.save(
        actor.accountId,
        { ...fields, logo: null },
        current.version,
        toInstant(deps.clock.now()),
      );
    },
  );
}

/**
 * Which logo a document shows: an issued invoice the one recorded at its finalization (it follows
 * the seller: where the seller profile was fixed then, so was the logo, possibly none); otherwise
 * (a draft, or an invoice issued before seller profiles) the account's current one.
 */
export function logoFor(
  invoice: { seller?: unknown; sellerLogo?: SellerLogo | null | undefined },
  current: SellerLogo | null | undefined,
): SellerLogo | null {
  return invoice.seller ? (invoice.sellerLogo ?? null) : (current ?? null);
}

/**
 * An issued invoice's logo as its emails carry it (a part of the message, shown as `cid:`). Emails
 * are only about issued invoices, so it is always the logo recorded at finalization. Null where
 * there is none, no store to read it from, or the object is gone.
 */
export async function emailLogo(
  documents: Pick<DocumentStore, 'get'> | undefined,
  invoice: { seller?: unknown; sellerLogo?: SellerLogo | null | undefined },
): Promise<InlineImage | null> {
  const logo = logoFor(invoice, null);
  if (!logo || !documents) return null;
  const bytes = await documents.get(logo.key);
  return bytes ? { cid: 'seller-logo', contentType: logo.contentType, content: bytes } : null;
}

/**
 * An issued invoice's logo as its documents inline it (the one recorded at finalization, so a PAID
 * or VOID re-render and its credit notes print the logo it was issued with). Null where there is
 * none or no store to read it from.
 */
export async function issuedLogoDataUrl(
  documents: Pick<DocumentStore, 'get'> | undefined,
  invoice: { seller?: unknown; sellerLogo?: SellerLogo | null | undefined },
): Promise<string | null> {
  return documents ? logoDataUrl(documents, logoFor(invoice, null)) : null;
}

/**
 * A logo as the documents inline it: a data URL, so the page's CSP (`img-src data:`) stays closed to
 * every other origin and the PDF needs no fetch. Null where the object is gone.
 */
export async function logoDataUrl(
  documents: Pick<DocumentStore, 'get'>,
  logo: Pick<SellerLogo, 'key' | 'contentType'> | null,
): Promise<string | null> {
  if (!logo) return null;
  const bytes = await documents.get(logo.key);
  return bytes ? `data:${logo.contentType};base64,${Buffer.from(bytes).toString('base64')}` : null;
}
