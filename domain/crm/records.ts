import * as z from 'zod';
import { address, hostname, text } from '../shared/schemas.js';
import { metadataInput, type Metadata } from '../shared/metadata.js';
import {
  electronicAddress,
  legalRegistrationId,
  vatId,
  type ElectronicAddress,
  type LegalRegistrationId,
} from '../shared/party-ids.js';

/** What every stored object carries beside its own fields. */
export type Versioned = { id: string; accountId: string; version: number; createdAt: string; updatedAt: string };

/** Every CRM record carries the integrator's metadata (absent on records stored before it: shown as `{}`). */
export type CrmRecord = Versioned & { kind: CrmKind; metadata?: Metadata };
export type CrmKind = 'contact' | 'company' | 'deal' | 'quote' | 'product';

export const contactInput = z
  .strictObject({
    firstName: text(100).nullable(),
    lastName: text(100).nullable(),
    email: z.email().max(254).nullable(),
    address: address.nullable(),
    metadata: metadataInput,
  })
  .partial();
export type ContactInput = z.infer<typeof contactInput>;
export type Contact = CrmRecord & {
  kind: 'contact';
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  address: z.infer<typeof address> | null;
};

export const companyInput = z
  .strictObject({
    name: text(200).min(1, 'is required'),
    domain: hostname.nullable(),
    address: address.nullable(),
    metadata: metadataInput,
    /** The buyer's identifiers on e-invoices (BT-48, BT-47, BT-49). */
    vatId: vatId.nullable(),
    legalRegistrationId: legalRegistrationId.nullable(),
    electronicAddress: electronicAddress.nullable(),
  })
  .partial();
export type CompanyInput = z.infer<typeof companyInput>;
export const companyCreateInput = companyInput.required({ name: true });
export type Company = CrmRecord & {
  kind: 'company';
  name: string;
  domain: string | null;
  address: z.infer<typeof address> | null;
  /** Absent on companies stored before e-invoices. */
  vatId?: string | null;
  legalRegistrationId?: LegalRegistrationId | null;
  electronicAddress?: ElectronicAddress | null;
};

/** Id prefixes by kind, as the contract names them. */
export const ID_PREFIX: Record<CrmKind, string> = {
  contact: 'con',
  company: 'com',
  deal: 'deal',
  quote: 'quo',
  product: 'prod',
};

export const contactFields = (i: ContactInput): Omit<Contact, keyof CrmRecord> => ({
  firstName: i.firstName ?? null,
  lastName: i.lastName ?? null,
  email: i.email ?? null,
  address: i.address ?? null,
});

export const companyFields = (i: CompanyInput): Omit<Company, keyof CrmRecord> => ({
  name: i.name ?? '',
  domain: i.domain ?? null,
  address: i.address ?? null,
  vatId: i.vatId ?? null,
  legalRegistrationId: i.legalRegistrationId ?? null,
  electronicAddress: i.electronicAddress ?? null,
});
