/**
 * Pages printing at once in one renderer instance, and pages the renderer keeps open between
 * renders. Past four a 2-vCPU instance gains nothing (bench/pdf.ts, its concurrent phase).
 */
export const RENDER_PAGES = 4;
