// The preview pages' one script (served from this origin, as the pages' CSP requires): shows the
// feed's address as it is on the host the page is viewed on, points the web readers' subscribe
// links at that address, and makes the copy button work: where the page cannot copy (plain http
// has no Clipboard API; a browser may refuse), the button selects the address and says to copy
// it by hand. Without the script the page still shows the address (on the origin it was
// compiled for) to select and copy by hand.
// It also takes out a lead photo that cannot be loaded (missing on this site), which would
// otherwise leave a blank box the photo's size (its width and height reserve the space): the
// image alone goes, so its caption and credit stay; a figure left with nothing to show goes too.
'use strict';
const dropBrokenPhoto = (img) => {
  const figure = img.closest('.items figure');
  if (!figure) return;
  img.remove();
  if (!figure.querySelector('figcaption, img, a')) figure.remove();
};
// Images that fail after this runs (lazy ones, as they are scrolled to); 'error' does not bubble.
document.addEventListener('error', (event) => {
  if (event.target instanceof HTMLImageElement) dropBrokenPhoto(event.target);
}, true);
document.addEventListener('DOMContentLoaded', () => {
  // Images that failed before this ran: complete, yet nothing decoded.
  for (const img of document.querySelectorAll('.items figure img')) if (img.complete && img.naturalWidth === 0) dropBrokenPhoto(img);

  const link = document.querySelector('a[data-feed-url]');
  if (!link) return;
  const url = link.href; // the path resolved against the viewing host
  link.textContent = url;
  for (const reader of document.querySelectorAll('a[data-reader]')) reader.href = reader.dataset.reader + encodeURIComponent(url);
  const button = document.querySelector('button[data-copy]');
  const status = document.querySelector('[data-copied]');
  if (!button) return;
  // When the page cannot copy (no Clipboard API: it needs a secure context, https or localhost;
  // or the browser refused), the address is selected and the page says to copy it by hand.
  const byHand = (why) => {
    const range = document.createRange();
    range.selectNodeContents(link);
    const selection = window.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    if (status) status.textContent = `${why} The address is selected: copy it by hand (Ctrl+C, or ⌘C on a Mac).`;
  };
  button.hidden = false;
  button.addEventListener('click', () => {
    if (!navigator.clipboard || typeof navigator.clipboard.writeText !== 'function') {
      byHand(window.isSecureContext ? 'This browser cannot copy from a page.' : 'This browser copies only from https pages, and this one is plain http.');
      return;
    }
    navigator.clipboard.writeText(url).then(
      () => { if (status) status.textContent = 'Copied.'; },
      () => byHand('Copying was refused.'),
    );
  });
});
