// Article HTML made safe for every reader (design §4, issue 6): sanitize-html with an allow-list.
// Scripts, styles, event handlers, forms, javascript: URLs and iframes from hosts not on the
// site's embed list are removed; the structure a news article needs is kept.
import sanitizeHtml from 'sanitize-html';

/** The embed hosts allowed when site.json names none. */
export const DEFAULT_EMBED_HOSTS: readonly string[] = [
  'www.youtube.com',
  'www.youtube-nocookie.com',
  'player.vimeo.com',
  'www.dailymotion.com',
  'platform.twitter.com',
  'www.instagram.com',
  'open.spotify.com',
  'w.soundcloud.com',
];

/** The tags kept in article bodies; everything else is unwrapped (its text kept) or dropped. */
export const ALLOWED_TAGS: readonly string[] = [
  'p', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'figure', 'figcaption', 'img', 'picture', 'source',
  'a', 'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption', 'colgroup', 'col',
  'em', 'strong', 'b', 'i', 'u', 's', 'sub', 'sup', 'small', 'mark', 'code', 'pre', 'abbr', 'cite', 'q', 'time', 'span', 'div',
  'iframe', 'video', 'audio', 'track', 'details', 'summary',
];

const cache = new Map<string, sanitizeHtml.IOptions>();

function optionsFor(embedHosts: readonly string[]): sanitizeHtml.IOptions {
  const key = embedHosts.join(' ');
  let options = cache.get(key);
  if (options === undefined) {
    options = {
      allowedTags: [...ALLOWED_TAGS],
      // Script, style and the like are dropped with their content, not unwrapped.
      nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'template', 'title'],
      allowedAttributes: {
        '*': ['lang', 'dir', 'title'],
        a: ['href', 'name', 'rel', 'hreflang'],
        img: ['src', 'srcset', 'sizes', 'alt', 'width', 'height', 'loading'],
        source: ['src', 'srcset', 'sizes', 'type', 'media'],
        iframe: ['src', 'width', 'height', 'allowfullscreen', 'allow', 'loading'],
        video: ['src', 'poster', 'controls', 'width', 'height', 'preload', 'muted', 'loop', 'playsinline'],
        audio: ['src', 'controls', 'preload', 'loop', 'muted'],
        track: ['src', 'kind', 'srclang', 'label', 'default'],
        td: ['colspan', 'rowspan', 'headers'],
        th: ['colspan', 'rowspan', 'headers', 'scope'],
        col: ['span'],
        colgroup: ['span'],
        blockquote: ['cite'],
        q: ['cite'],
        time: ['datetime'],
        ol: ['start', 'reversed', 'type'],
      },
      allowedSchemes: ['http', 'https', 'mailto', 'tel'],
      // data: only for images (inline pictures), never for links or frames.
      allowedSchemesByTag: { img: ['http', 'https', 'data'], source: ['http', 'https', 'data'] },
      allowedSchemesAppliedToAttributes: ['href', 'src', 'cite', 'poster', 'srcset'],
      allowProtocolRelative: true,
      allowedIframeHostnames: [...embedHosts],
      allowIframeRelativeUrls: false,
      // An iframe whose source was refused is dropped whole rather than left empty.
      exclusiveFilter: (frame) => frame.tag === 'iframe' && !frame.attribs.src,
    };
    cache.set(key, options);
  }
  return options;
}

/** Sanitises article HTML against the allow-list, with iframes only from `embedHosts`. */
export function sanitizeBody(html: string, embedHosts: readonly string[] = DEFAULT_EMBED_HOSTS): string {
  return sanitizeHtml(html, optionsFor(embedHosts));
}
