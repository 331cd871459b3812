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

/**
 * One line of a probe's own text (a stderr line, a crash message) fit for the terminal: no
 * escapes or control characters, on one line, at most `max` characters plus a note of the
 * length it had. A crashed probe's last stderr line can be megabytes of minified source, or
 * colour codes meant for its own terminal.
 */
export function terminalLine(text: string, max = 200): string {
  // Cut before cleaning (with room for what cleaning removes) so a 3 MB line is not scanned whole.
  const clean = stripControl(text.length > max * 4 ? text.slice(0, max * 4) : text).replace(/[\t\n]+/g, ' ');
  if (clean.length <= max && text.length <= max * 4) return clean;
  // Never inside a surrogate pair.
  const end = /[\ud800-\udbff]/.test(clean[max - 1] ?? '') ? max - 1 : max;
  return `${clean.slice(0, end)}… [cut; ${text.length} characters in all]`;
}
