/**
 * HTML → PDF through the system Chromium's print (A4, page numbers in the footer). playwright-core
 * is loaded only here, and only when a PDF is asked for: the HTML report needs no browser.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const FOOTER = `<div style="font-size:8px;width:100%;text-align:center;color:#555;font-family:'Noto Sans CJK JP',sans-serif;"><span class="pageNumber"></span> / <span class="totalPages"></span></div>`;

export interface PdfOptions {
  executablePath?: string;
}

/** Prints each HTML document to a PDF with one browser launch. */
export async function htmlToPdf(htmls: string[], opts: PdfOptions = {}): Promise<Buffer[]> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: opts.executablePath ?? CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const out: Buffer[] = [];
    for (const html of htmls) {
      const page = await browser.newPage();
      // The report has no external resource; refuse any request so none can be made.
      await page.route('**/*', (route) => route.abort());
      await page.setContent(html, { waitUntil: 'load' });
      out.push(
        await page.pdf({
          format: 'A4',
          printBackground: true,
          displayHeaderFooter: true,
          headerTemplate: '<span></span>',
          footerTemplate: FOOTER,
          margin: { top: '16mm', bottom: '18mm', left: '14mm', right: '14mm' },
        }),
      );
      await page.close();
    }
    return out;
  } finally {
    await browser.close();
  }
}
