import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SERVICE_NAME } from './logger.js';

/** The CloudWatch namespace of the service's own metrics (dashboards and alarms name it). */
export const METRICS_NAMESPACE = 'InvoiceService';

/** Counts this service emits, each where the thing happens (functions/, never domain/). */
export const METRIC = {
  /** A new invoice: POST /invoices (fresh or from a deal or quote) and clone, not replays. */
  invoicesCreated: 'InvoicesCreated',
  /** draft → open. */
  invoicesFinalized: 'InvoicesFinalized',
  /** A PDF rendered by Chromium in the stream function (invoice or credit note). */
  pdfsRendered: 'PdfsRendered',
  /** A render that threw; the record is retried by the event source mapping. */
  pdfRenderFailures: 'PdfRenderFailures',
  /** An HTTP answer of 500 or more (bugs and unavailable dependencies). */
  requestErrors5xx: 'RequestErrors5xx',
  /** A stream record that failed and was handed back to the event source mapping. */
  streamRecordFailures: 'StreamRecordFailures',
} as const;
export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/**
 * CloudWatch embedded metric format: the counts go out as one JSON line on stdout per flush and
 * CloudWatch Logs turns them into metrics, so no IAM and no API call. POWERTOOLS_METRICS_DISABLED
 * turns the output off (the test run sets it). One dimension only, the service: per-account
 * dimensions would make a metric per tenant.
 */
const metrics = new Metrics({
  namespace: METRICS_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME || SERVICE_NAME,
});

export function countMetric(name: MetricName, value = 1): void {
  metrics.addMetric(name, MetricUnit.Count, value);
}

/**
 * Writes what was counted since the last flush; nothing when nothing was (Powertools would warn
 * about an empty flush on every read-only request). Called at the end of each invocation.
 */
export function flushMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
