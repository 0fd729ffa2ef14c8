import type { PdfRenderer } from '../../domain/ports.js';
import { countMetric, METRIC } from '../observability/metrics.js';

/** Counts renders and failed renders (PdfsRendered, PdfRenderFailures) where they happen: in Chromium. */
export function countedRenderer(renderer: PdfRenderer): PdfRenderer {
  return {
    render: async (html, options) => {
      try {
        const pdf = await renderer.render(html, options);
        countMetric(METRIC.pdfsRendered);
        return pdf;
      } catch (e) {
        countMetric(METRIC.pdfRenderFailures);
        throw e;
      }
    },
  };
}
