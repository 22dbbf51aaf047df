/**
 * @module
 * The full-size view of an output image, with a download link; click outside or Escape closes it.
 */
import { useServices, useUi } from '../../../app/editor-context';

export function Lightbox() {
  const { ui } = useServices();
  const image = useUi((s) => s.lightbox);
  if (!image) return null;
  return (
    <div
      className="mf-lightbox"
      role="dialog"
      aria-label={image.name}
      data-testid="lightbox"
      onClick={() => ui.getState().lightboxClosed()}
      onKeyDown={() => undefined}
    >
      <img src={image.url} alt={image.name} />
      <div className="mf-lightbox-bar">
        <span>{image.name}</span>
        <a href={image.downloadUrl} download={image.name} onClick={(e) => e.stopPropagation()}>
          Download
        </a>
      </div>
    </div>
  );
}
