// Text from scenario files and results folders reaches the terminal inside messages; a crafted
// file could otherwise clear the screen, retitle the window or hide a line with raw escapes.

// CSI/OSC/other ESC sequences first (so their parameters go too), then any remaining C0/C1
// control character except tab and newline.
const ESCAPES = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])|\u009b[0-?]*[ -/]*[@-~]/g;
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** `text` with terminal escape sequences and control characters removed (\t and \n kept). */
export function stripControl(text: string): string {
  return text.replace(ESCAPES, '').replace(CONTROLS, '');
}

/**
 * An integer with thousands separators ("20,976"). Not toLocaleString: the first Intl call maps
 * ICU's locale data into the process (~5 MB of RSS, measured) for a comma.
 */
export function groupThousands(value: number): string {
  const rounded = Math.round(value);
  const digits = String(Math.abs(rounded)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return rounded < 0 ? `-${digits}` : digits;
}
