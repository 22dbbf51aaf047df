/**
 * @module
 * An image COMBO with upload (ComfyUI's image_upload): pick from the input folder, upload with the
 * button or by dropping a file on the widget, and see a thumbnail of the chosen image.
 */
import { type DragEvent, useState } from 'react';
import { useServices } from '../../../app/editor-context';
import { ComboWidget } from './ComboWidget';
import type { WidgetProps } from './widget-props';

const THUMBNAIL_SIDE = 256;

export function ImageUploadWidget(props: WidgetProps<'COMBO'>) {
  const { api, ui } = useServices();
  const [extra, setExtra] = useState<string[]>([]);
  const [over, setOver] = useState(false);
  const current = typeof props.value === 'string' ? props.value : '';
  const options = [...props.widget.options, ...extra.filter((e) => !props.widget.options.includes(e))];
  const upload = async (file: File) => {
    try {
      const saved = await api.uploadImage(file, file.name);
      const name = saved.subfolder ? `${saved.subfolder}/${saved.name}` : saved.name;
      setExtra((list) => [...list, name]);
      props.onCommit(name);
    } catch (err) {
      ui.getState().toastShown('error', `upload failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const onDrop = (e: DragEvent) => {
    const file = e.dataTransfer.files[0];
    setOver(false);
    if (!file) return;
    // Keep the drop for the widget: the canvas would otherwise try to open it as a workflow.
    e.preventDefault();
    e.stopPropagation();
    void upload(file);
  };
  const slash = current.lastIndexOf('/');
  const thumbnail =
    current === ''
      ? undefined
      : api.viewUrl(
          {
            filename: current.slice(slash + 1),
            subfolder: slash < 0 ? '' : current.slice(0, slash),
            type: 'input',
          },
          { side: THUMBNAIL_SIDE },
        );
  return (
    <div
      className={`mf-image-upload${over ? ' mf-drop-over' : ''}`}
      role="application"
      aria-label={`${props.name}: pick, upload or drop an image`}
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('Files')) {
          e.preventDefault();
          e.stopPropagation();
          setOver(true);
        }
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <ComboWidget {...props} widget={{ ...props.widget, options }} />
      <label className="nodrag mf-upload-button">
        Upload…
        <input
          type="file"
          accept="image/png,image/jpeg,image/webp"
          hidden
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void upload(file);
            e.target.value = '';
          }}
        />
      </label>
      <div className="mf-thumbnail">
        {thumbnail ? (
          <img src={thumbnail} alt={current} draggable={false} />
        ) : (
          <span>drop an image here</span>
        )}
      </div>
    </div>
  );
}
