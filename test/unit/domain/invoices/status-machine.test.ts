import { describe, expect, test } from 'vitest';
import { DomainError } from '../../../../domain/errors.js';
import {
  assertAllowed,
  INVOICE_STATUSES,
  type InvoiceAction,
  type InvoiceStatus,
} from '../../../../domain/invoices/status-machine.js';

const ALLOWED: Record<InvoiceAction, InvoiceStatus[]> = {
  edit: ['draft'],
  delete: ['draft'],
  finalize: ['draft'],
  markPaid: ['open'],
  void: ['open'],
  send: ['open', 'paid'],
  recordPayment: ['open'],
  issueCreditNote: ['open', 'paid'],
  pauseReminders: ['draft', 'open'],
};

const cases = (Object.keys(ALLOWED) as InvoiceAction[]).flatMap((action) =>
  INVOICE_STATUSES.map((status) => [action, status] as const),
);

describe('assertAllowed', () => {
  test.each(cases)('%s from %s', (action, status) => {
    if (ALLOWED[action].includes(status)) {
      expect(() => assertAllowed(action, status)).not.toThrow();
      return;
    }
    try {
      assertAllowed(action, status);
      expect.unreachable(`${action} from ${status} should be refused`);
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      expect((e as DomainError).code).toBe('conflict');
      expect((e as DomainError).extra).toEqual({ currentStatus: status });
      expect((e as DomainError).message).toContain(status);
    }
  });

  test('paid and voided are final: no action that changes the status starts from them', () => {
    const transitions: InvoiceAction[] = ['edit', 'delete', 'finalize', 'markPaid', 'void'];
    for (const status of ['paid', 'voided'] as const) {
      for (const action of transitions) expect(() => assertAllowed(action, status)).toThrow(DomainError);
    }
    // Sending a paid invoice again (as a receipt) changes nothing about it; a voided one is never sent.
    expect(() => assertAllowed('send', 'paid')).not.toThrow();
    expect(() => assertAllowed('send', 'voided')).toThrow(DomainError);
  });
});
