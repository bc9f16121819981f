/** A piece of a highlighted fragment: matched or not. */
export interface Piece {
  text: string;
  matched: boolean;
}

const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&#x27;": "'" };

/**
 * The API's highlight fragments are HTML-escaped with the matches wrapped in `<em>` (the only markup). The app
 * renders them as text pieces, never as HTML, so stored markup can never become markup on the page.
 */
export function pieces(fragment: string): Piece[] {
  const result: Piece[] = [];
  const parts = fragment.split(/(<em>|<\/em>)/);
  let matched = false;
  for (const part of parts) {
    if (part === "<em>") matched = true;
    else if (part === "</em>") matched = false;
    else if (part !== "") result.push({ text: part.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (e) => ENTITIES[e] ?? e), matched });
  }
  return result;
}
