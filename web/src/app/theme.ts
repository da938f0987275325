/**
 * Mantine theme: system fonts only (no web font to fetch), and colours whose filled shade
 * keeps white text at WCAG AA contrast (>= 4.5:1), with a visible focus ring.
 */
import { createTheme, type MantineColorsTuple } from '@mantine/core';

function tuple(shades: string[]): MantineColorsTuple {
  return shades as unknown as MantineColorsTuple;
}

export const theme = createTheme({
  fontFamily: 'system-ui, "Segoe UI", "Noto Sans", "Noto Sans Arabic", "DejaVu Sans", Arial, sans-serif',
  headings: { fontFamily: 'system-ui, "Segoe UI", "Noto Sans", "Noto Sans Arabic", "DejaVu Sans", Arial, sans-serif' },
  primaryColor: 'blue',
  primaryShade: 8,
  focusRing: 'always',
  colors: {
    // index 8 is the filled shade: white on it is >= 4.5:1
    ok: tuple(['#e8f5ec', '#c9e8d2', '#a3d8b2', '#7cc792', '#55b672', '#36a058', '#268a47', '#1f7a3d', '#1b6e33', '#145426']),
    danger: tuple(['#fdecec', '#f8cfcf', '#f1a9a9', '#ea8282', '#e35c5c', '#d83c3c', '#c62e2e', '#b82828', '#a82222', '#8a1a1a']),
    amber: tuple(['#fff8e1', '#ffecb3', '#ffe082', '#ffd54f', '#ffca28', '#ffc107', '#ffb300', '#a86400', '#8a5200', '#6d4000']),
  },
});
