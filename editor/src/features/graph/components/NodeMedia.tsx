/**
 * @module
 * The image area of a node: the live preview while it runs, else its last output images (click for
 * the full-size view) and text. Output nodes reserve the area up front so nothing jumps while running.
 */
import { useServices } from '../../../app/editor-context';
import type { NodeRun } from '../../execution/lib/run-state';

const THUMBNAIL_SIDE = 512;

export function NodeMedia({ run, reserve }: { run: NodeRun | undefined; reserve: boolean }) {
  const { api, ui } = useServices();
  const images = run?.output?.images ?? [];
  const text = run?.output?.text ?? [];
  const showPreview = run?.previewUrl && (run.status === 'running' || images.length === 0);
  if (!reserve && !showPreview && images.length === 0 && text.length === 0) return null;
  return (
    <div className={`mf-media${reserve ? ' mf-media-reserved' : ''}`} data-testid="node-media">
      {showPreview ? (
        <img className="mf-preview" src={run.previewUrl} alt="live preview" data-testid="node-preview" />
      ) : (
        images.length > 0 && (
          <div className={images.length > 1 ? 'mf-image-grid' : 'mf-image-single'}>
            {images.map((ref) => (
              <button
                key={`${ref.type}/${ref.subfolder}/${ref.filename}`}
                type="button"
                className="nodrag mf-image-button"
                title={`${ref.filename} (click to enlarge)`}
                onClick={() =>
                  ui.getState().lightboxOpened({
                    url: api.viewUrl(ref),
                    downloadUrl: api.viewUrl(ref),
                    name: ref.filename,
                  })
                }
              >
                <img
                  src={api.viewUrl(ref, { side: THUMBNAIL_SIDE })}
                  alt={ref.filename}
                  data-testid="node-output-image"
                  draggable={false}
                />
              </button>
            ))}
          </div>
        )
      )}
      {text.length > 0 && (
        <pre className="nodrag nowheel mf-output-text" data-testid="node-output-text">
          {text.join('\n')}
        </pre>
      )}
    </div>
  );
}
